"""Plain-integer reference implementations: the spec the gadgets are tested against."""
