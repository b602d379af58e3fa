"""jiuzhu: settings, CLI and the wiring between the packages."""
