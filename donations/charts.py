"""
The campaign page's small chart of clicks and gifts per day, drawn here as
SVG: no charting script to load, nothing for the content security policy to
allow, and the same picture with JavaScript off. Colours are set by
attributes, not styles (the policy forbids inline styles), and each passes
3:1 against white as WCAG asks of parts of a graphic. The picture is named
for screen readers by its title and summary; the figures themselves follow
it as a table, which is what a screen reader reads.
"""

from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 28, 24
CLICKS_COLOUR = "#5b6770"  # slate: 5.6:1 on white
GIFTS_COLOUR = "#a3174f"  # the ribbon's berry: 7.4:1 on white
AXIS_COLOUR = "#595959"


def _nice_top(value):
    """The axis's top: the smallest of 1, 2, 5 × 10^n at or above the largest figure."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if factor * step >= value:
                return factor * step
        step *= 10


def activity_chart(days, chart_id):
    """SVG bars of clicks and gifts for each DayActivity in `days`, oldest first."""
    top = _nice_top(max([1] + [day.clicks for day in days] + [day.gifts for day in days]))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(days), 1)
    bar = max(slot * 0.38, 1)

    def y(value):
        return TOP + plot_height - plot_height * value / top

    bars = []
    for index, day in enumerate(days):
        x = LEFT + index * slot + slot * 0.1
        label = date_format(day.day, "j M")
        for offset, value, colour, noun in (
            (0, day.clicks, CLICKS_COLOUR, "clicks"),
            (bar, day.gifts, GIFTS_COLOUR, "gifts"),
        ):
            if value:
                bars.append((f"{x + offset:.1f}", f"{y(value):.1f}", f"{bar:.1f}", f"{y(0) - y(value):.1f}", colour,
                             f"{label}: {value} {noun}"))  # fmt: skip
    first, last = days[0].day, days[-1].day
    total_clicks = sum(day.clicks for day in days)
    total_gifts = sum(day.gifts for day in days)
    return format_html(
        '<svg class="activity-chart" role="img" viewBox="0 0 {w} {h}" width="100%"'
        ' aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">Donate button clicks and confirmed gifts per day, {first} to {last}</title>'
        '<desc id="{id}-desc">{clicks} clicks and {gifts} gifts in all; the table below gives each day.</desc>'
        '<rect x="{left}" y="6" width="12" height="12" fill="{cc}"/>'
        '<text x="{legend1}" y="16" font-size="12" fill="#1a1a1a">Clicks</text>'
        '<rect x="{legend2}" y="6" width="12" height="12" fill="{gc}"/>'
        '<text x="{legend3}" y="16" font-size="12" fill="#1a1a1a">Gifts</text>'
        '<text x="{tick}" y="{top_y}" font-size="11" text-anchor="end" fill="{ac}">{top}</text>'
        '<text x="{tick}" y="{zero_y}" font-size="11" text-anchor="end" fill="{ac}">0</text>'
        '<line x1="{left}" y1="{base}" x2="{right}" y2="{base}" stroke="{ac}"/>'
        '<line x1="{left}" y1="{TOP}" x2="{right}" y2="{TOP}" stroke="#d0d0d0" stroke-dasharray="3 3"/>'
        "{bars}"
        '<text x="{left}" y="{h_label}" font-size="11" fill="{ac}">{first}</text>'
        '<text x="{right}" y="{h_label}" font-size="11" text-anchor="end" fill="{ac}">{last}</text>'
        "</svg>",
        w=WIDTH, h=HEIGHT, id=chart_id, first=date_format(first, "j F"), last=date_format(last, "j F Y"),
        clicks=total_clicks, gifts=total_gifts, left=LEFT, right=WIDTH - RIGHT, cc=CLICKS_COLOUR, gc=GIFTS_COLOUR,
        ac=AXIS_COLOUR, legend1=LEFT + 16, legend2=LEFT + 70, legend3=LEFT + 86, tick=LEFT - 6, top=top,
        top_y=TOP + 4, zero_y=TOP + plot_height + 4, base=f"{y(0):.1f}", TOP=TOP, h_label=HEIGHT - 6,
        bars=format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
            bars,
        ),
    )  # fmt: skip
