"""Icons, style sheet and preset files shipped with lossgui (installed as lossgui.resources)."""
