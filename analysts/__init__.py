"""What analysts use on the published warehouse: `orderpulse sql` and `orderpulse catalog`."""
