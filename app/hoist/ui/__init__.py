"""The window: table model, progress delegate, main window, tray and start-up (QtWidgets lives here only)."""
