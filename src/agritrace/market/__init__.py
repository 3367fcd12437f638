"""The public catalogue and marketplace feeds: products that carry their trace where they sell."""
