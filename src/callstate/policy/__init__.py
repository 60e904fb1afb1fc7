"""Pure rules: `now`, calendars and configuration are passed in; nothing here does I/O."""
