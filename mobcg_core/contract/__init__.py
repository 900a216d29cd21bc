"""What plugins import: hooks and base classes, data types, units, errors."""
