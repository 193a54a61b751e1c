"""Widgets of the console window: thin views that show data and emit signals."""
