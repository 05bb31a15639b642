"""Rule profiles (TOML data), shipped inside the package as geocheck.rules."""
