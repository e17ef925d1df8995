"""The dashboard's pages: the one list that app.py navigates and the tests and benchmark walk through.

A page is a script in views/; its URL path is the script's name (e.g. /order_lookup).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

VIEWS = Path(__file__).parent / "views"


@dataclass(frozen=True)
class PageSpec:
    script: str  # file name in views/
    title: str
    icon: str
    default: bool = False

    @property
    def path(self) -> Path:
        return VIEWS / self.script

    @property
    def url_path(self) -> str:
        return Path(self.script).stem

    @property
    def app_relative_path(self) -> str:
        """The path AppTest.switch_page takes (relative to app.py)."""
        return f"views/{self.script}"


PAGES: tuple[PageSpec, ...] = (
    PageSpec("scorecard.py", "Scorecard", ":material/scoreboard:", default=True),
    PageSpec("trends.py", "Trends", ":material/trending_up:"),
    PageSpec("root_causes.py", "Root causes", ":material/troubleshoot:"),
    PageSpec("open_orders.py", "Open orders", ":material/pending_actions:"),
    PageSpec("returns.py", "Returns", ":material/assignment_return:"),
    PageSpec("order_lookup.py", "Order lookup", ":material/search:"),
    PageSpec("cycle_time.py", "Cycle time", ":material/timer:"),
    PageSpec("exceptions.py", "Exceptions", ":material/report:"),
    PageSpec("data_quality.py", "Data quality", ":material/fact_check:"),
)

ORDER_LOOKUP = next(page for page in PAGES if page.script == "order_lookup.py")


def order_link(order_id: str) -> str:
    """A link to the order lookup page for one order (relative, so it works under any base URL)."""
    from urllib.parse import quote

    return f"{ORDER_LOOKUP.url_path}?order_id={quote(str(order_id), safe='')}"
