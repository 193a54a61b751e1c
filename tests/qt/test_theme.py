"""States look distinct without colour (shapes), and text colours follow the palette's lightness."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage, QPalette

from avma_console.domain.findings import Severity
from avma_console.domain.states import ActivationState, StateTone
from avma_console.qt import theme


def test_every_tone_has_its_own_shape_and_every_state_a_label_glyph_and_icon() -> None:
    shapes = {tone: {theme.shape_of(s) for s in ActivationState if s.tone is tone} for tone in StateTone}
    assert shapes[StateTone.GOOD] == {"check"}
    assert shapes[StateTone.OTHER] == {"info"}
    assert shapes[StateTone.WARNING] == {"warning"}
    assert shapes[StateTone.ERROR] == {"cross"}
    assert shapes[StateTone.NEUTRAL] == {"question", "plug"}
    for state in ActivationState:
        assert theme.state_label(state)
        assert theme.STATE_GLYPHS[state]
        assert not theme.state_icon(state).isNull()
    assert set(theme.LEGEND_ORDER) == set(ActivationState)
    for severity in Severity:
        assert not theme.severity_icon(severity).isNull()


def test_icons_differ_in_shape_not_only_in_colour() -> None:
    def mask(state: ActivationState) -> list[tuple[bool, bool]]:
        """Where the icon is opaque, and where it is white (the glyph): its shape, whatever its colour."""
        image = theme.state_pixmap(state, 16).toImage().convertToFormat(QImage.Format.Format_ARGB32)
        pixels = [QColor.fromRgba(image.pixel(x, y)) for y in range(image.height()) for x in range(image.width())]
        return [(pixel.alpha() > 128, pixel.lightnessF() > 0.9) for pixel in pixels]

    masks = {theme.shape_of(state): mask(state) for state in ActivationState}
    outlines = list(masks.values())
    for index, first in enumerate(outlines):
        for second in outlines[index + 1 :]:
            assert first != second


def test_text_colours_follow_the_palette_lightness() -> None:
    light, dark = QPalette(QColor("#ffffff")), QPalette(QColor("#202020"))
    assert not theme.palette_is_dark(light)
    assert theme.palette_is_dark(dark)
    for tone in StateTone:
        on_light = theme.tone_text_color(tone, dark=False)
        on_dark = theme.tone_text_color(tone, dark=True)
        assert on_light.lightnessF() < 0.5 < on_dark.lightnessF(), tone
