"""Rule evaluation: declarative YAML conditions and registered Python checks."""
