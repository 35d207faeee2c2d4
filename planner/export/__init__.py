"""One module per output format, each a function Plan -> bytes or str."""
