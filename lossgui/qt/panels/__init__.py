"""Plot panels: each reads AppState and only calls setData on items it made once."""
