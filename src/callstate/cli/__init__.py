"""The command line: Typer, one module per noun. The composition roots live here."""
