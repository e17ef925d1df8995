"""X12 syntax: delimiters from the ISA segment, segments, and the ISA/GS/ST envelopes, validated.

Our own small reader (see docs/importers.md, "EDI X12", for the libraries evaluated and why none
fitted): what a faulty envelope costs is decided level by level, which is the point.

- An interchange-level fault (no or malformed ISA, delimiters that do not hold, a truncated file
  without IEA, IEA01 or IEA02 wrong) raises `InterchangeError`: the document is rejected.
- A group-level fault (GE01 or GE02 wrong, a group not closed) marks the group: its transaction
  sets are set aside, the other groups import.
- A set-level fault (SE01 or SE02 wrong, a set not closed) marks the set: it alone is set aside.

Segments are numbered from 1 (the ISA) through the whole interchange, so every message names the
segment a reader can count to in the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# ISA is fixed width: 16 elements of these lengths, then the segment terminator (106 characters).
ISA_ELEMENT_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
ISA_LENGTH = 3 + sum(1 + width for width in ISA_ELEMENT_WIDTHS) + 1


class InterchangeError(Exception):
    """The interchange as a whole cannot be read: the document is rejected."""

    def __init__(self, segment_number: int, reason: str):
        super().__init__(f"segment {segment_number}: {reason}")
        self.segment_number = segment_number
        self.reason = reason


@dataclass(frozen=True)
class Segment:
    number: int  # 1-based position in the interchange (ISA = 1)
    tag: str
    elements: tuple[str, ...]  # elements[0] is the first data element (e.g. BEG01)

    def get(self, position: int) -> str:
        """Element at its X12 position (BEG03 -> get(3)), "" when absent."""
        return self.elements[position - 1] if 0 < position <= len(self.elements) else ""


@dataclass
class TransactionSet:
    code: str  # ST01: 850, 855, 856, 810
    control_number: str  # ST02
    segments: list[Segment]  # ST through SE, both included
    fault: str | None = None  # set when its envelope is wrong: the set is set aside

    @property
    def first_number(self) -> int:
        return self.segments[0].number

    @property
    def body(self) -> list[Segment]:
        """The segments between ST and SE."""
        return self.segments[1:-1] if self.segments[-1].tag == "SE" else self.segments[1:]


@dataclass
class FunctionalGroup:
    functional_id: str  # GS01: PO, PR, SH, IN
    sender: str  # GS02: the application sender's code (the trading partner)
    version: str  # GS08: 004010, 005010 (possibly with an industry suffix)
    date: str  # GS04 CCYYMMDD
    time: str  # GS05 HHMM[SS[DD]]
    control_number: str
    first_number: int
    sets: list[TransactionSet] = field(default_factory=list)
    fault: str | None = None  # set when its envelope is wrong: all its sets are set aside


@dataclass
class Interchange:
    version: str  # ISA12: 00401, 00501
    control_number: str  # ISA13
    element_separator: str
    repetition_separator: str | None  # ISA11 from 00402 on; 00401 has the standards id "U" there
    component_separator: str
    segment_terminator: str
    groups: list[FunctionalGroup] = field(default_factory=list)


def read_interchange(text: str) -> Interchange:
    """Split an interchange into validated groups and sets; see the module's docstring."""
    text = text.lstrip("\ufeff \t\r\n")  # a byte order mark or blank lines before the ISA
    if not text.startswith("ISA"):
        raise InterchangeError(1, "an X12 interchange starts with an ISA segment; this file does not")
    if len(text) < ISA_LENGTH:
        raise InterchangeError(
            1, f"the ISA segment is {ISA_LENGTH} characters long; the file has only {len(text)}"
        )
    element_sep, terminator = text[3], text[ISA_LENGTH - 1]
    isa_elements = text[4 : ISA_LENGTH - 1].split(element_sep)
    widths = tuple(len(e) for e in isa_elements)
    if widths != ISA_ELEMENT_WIDTHS:
        raise InterchangeError(
            1,
            f"wrong delimiters: with the element separator {element_sep!r} (ISA position 4) the ISA "
            f"segment splits into {len(isa_elements)} elements of widths {list(widths)}; the standard "
            f"has 16 of widths {list(ISA_ELEMENT_WIDTHS)}",
        )
    component_sep = isa_elements[15]
    version = isa_elements[11]
    repetition_sep = isa_elements[10] if version >= "00402" else None
    separators = [element_sep, component_sep, terminator] + ([repetition_sep] if repetition_sep else [])
    if len(set(separators)) != len(separators) or any(c.isalnum() for c in separators):
        raise InterchangeError(
            1,
            f"wrong delimiters: element {element_sep!r}, component {component_sep!r}, segment "
            f"terminator {terminator!r}{f', repetition {repetition_sep!r}' if repetition_sep else ''} "
            "must be distinct and not letters or digits",
        )
    interchange = Interchange(
        version=version,
        control_number=isa_elements[12],
        element_separator=element_sep,
        repetition_separator=repetition_sep,
        component_separator=component_sep,
        segment_terminator=terminator,
    )
    segments = _segments(text, element_sep, terminator)
    _build_envelopes(interchange, segments)
    return interchange


def _segments(text: str, element_sep: str, terminator: str) -> list[Segment]:
    """Every segment, numbered; line breaks after a terminator are formatting, not data."""
    pieces = text.split(terminator)
    if pieces[-1].strip():
        # Text after the last terminator: the file was cut in the middle of a segment.
        raise InterchangeError(
            sum(1 for piece in pieces if piece.strip("\r\n")),
            f"truncated interchange: the last segment {pieces[-1].strip()[:20]!r} has no terminator",
        )
    segments = []
    for piece in pieces[:-1]:
        piece = piece.strip("\r\n")
        if not piece:
            continue
        tag, *elements = piece.split(element_sep)
        segments.append(Segment(len(segments) + 1, tag, tuple(elements)))
    return segments


def _build_envelopes(interchange: Interchange, segments: list[Segment]) -> None:
    group: FunctionalGroup | None = None
    current: TransactionSet | None = None
    for segment in segments[1:]:
        tag = segment.tag
        if tag == "IEA":
            if current is not None:
                current.fault = f"transaction set not closed: no SE before the IEA (segment {segment.number})"
            if group is not None:
                group.fault = (
                    group.fault
                    or f"functional group not closed: no GE before the IEA (segment {segment.number})"
                )
            _check_iea(interchange, segment, segments)
            return
        if tag == "GS":
            if group is not None:
                group.fault = (
                    group.fault
                    or f"functional group not closed: GS at segment {segment.number} before its GE"
                )
                if current is not None:
                    current.fault = (
                        f"transaction set not closed: GS at segment {segment.number} before its SE"
                    )
                    current = None
            group = FunctionalGroup(
                functional_id=segment.get(1),
                sender=segment.get(2).strip(),
                version=segment.get(8),
                date=segment.get(4),
                time=segment.get(5),
                control_number=segment.get(6),
                first_number=segment.number,
            )
            interchange.groups.append(group)
        elif group is None:
            raise InterchangeError(
                segment.number,
                f"{tag!r} outside a functional group: expected GS or IEA"
                + (
                    ""
                    if len(tag) <= 3
                    else " (a segment tag is at most 3 characters: are the delimiters right?)"
                ),
            )
        elif tag == "GE":
            if current is not None:
                current.fault = f"transaction set not closed: GE at segment {segment.number} before its SE"
                current = None
            _check_ge(group, segment)
            group = None
        elif tag == "ST":
            if current is not None:
                current.fault = f"transaction set not closed: ST at segment {segment.number} before its SE"
            current = TransactionSet(segment.get(1), segment.get(2), [segment])
            group.sets.append(current)
        elif current is None:
            group.fault = group.fault or f"segment {segment.number} {tag!r} outside a transaction set"
        else:
            current.segments.append(segment)
            if tag == "SE":
                _check_se(current, segment)
                current = None
    last = segments[-1].number if segments else 1
    raise InterchangeError(last, "truncated interchange: it ends without an IEA segment")


def _check_se(transaction: TransactionSet, se: Segment) -> None:
    declared, counted = se.get(1), len(transaction.segments)
    if se.get(2) != transaction.control_number:
        transaction.fault = f"control number mismatch: SE02 {se.get(2)!r} (segment {se.number}) is not ST02 {transaction.control_number!r}"
    elif not declared.isdigit() or int(declared) != counted:
        transaction.fault = (
            f"wrong segment count: SE01 (segment {se.number}) says {declared!r}, the set has {counted} segments"
            " including ST and SE"
        )


def _check_ge(group: FunctionalGroup, ge: Segment) -> None:
    declared, counted = ge.get(1), len(group.sets)
    if ge.get(2) != group.control_number:
        group.fault = group.fault or (
            f"control number mismatch: GE02 {ge.get(2)!r} (segment {ge.number}) is not GS06 {group.control_number!r}"
        )
    elif not declared.isdigit() or int(declared) != counted:
        group.fault = group.fault or (
            f"wrong transaction set count: GE01 (segment {ge.number}) says {declared!r}, the group has {counted}"
        )


def _check_iea(interchange: Interchange, iea: Segment, segments: list[Segment]) -> None:
    if iea.number != segments[-1].number:
        raise InterchangeError(segments[iea.number].number, "segment after the IEA: one interchange per file")
    if iea.get(2) != interchange.control_number:
        raise InterchangeError(
            iea.number,
            f"control number mismatch: IEA02 {iea.get(2)!r} is not ISA13 {interchange.control_number!r}",
        )
    declared, counted = iea.get(1), len(interchange.groups)
    if not declared.isdigit() or int(declared) != counted:
        raise InterchangeError(
            iea.number,
            f"wrong functional group count: IEA01 says {declared!r}, the interchange has {counted}",
        )
