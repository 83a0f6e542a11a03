"""The demo plan: a realistic CYPP 2008-2011 framework and two years of returns.

The demo is nothing but the HTTP requests a council would have sent, in the order it
would have sent them, from June 2008 to April 2010. Keeping it as data (a list of
:class:`DemoStep`) rather than as writes into a store means the same plan loads into
any running server, embedded or distributed, through the same validation as real
users' requests, and the event log then records the story in a believable order.

The council (Northshire), its partners and every person named here are invented. The
values are invented too, but kept plausible for each indicator's unit and polarity,
and arranged to tell a story a CYP Board would recognise:

- most indicators improve towards their 2011 targets (25 of 43 on target by April
  2010 under the product's own rules);
- areas of concern (off target): some flat (NI 52 school lunches, NI 87 persistent
  absence, NI 112 under-18 conceptions, NI 45 young offenders in education, training
  or employment), some getting worse (NI 48 road casualties, NI 55 Reception
  obesity, NI 65 repeat child protection plans, NI 102 the free school meals gap,
  NI 116 child poverty, NI 148 care leavers in education, employment or training),
  some improving too slowly (NI 56, NI 73, NI 110, NI 61, NI 101);
- very good performance: NI 57 (PE and sport) and NI 111 (first-time entrants to
  the youth justice system) already beat their final targets, and NI 68 (a context
  indicator) sits within its tolerance;
- significantly improved: NI 111, NI 64, NI 114, NI 43, NI 68 and LOCAL 01 (on
  target), NI 61 and NI 101 (still off target);
- challenge material for the Executive: predictions that contradict the trend
  (NI 55 and NI 87 say on target, NI 59 says off target), returns without a
  prediction, missing returns (NI 63 and NI 199 in 2008-H2, NI 53 in 2009-H1, NI 45
  and NI 52 in 2009-H2), a volatile small-cohort result (NI 101), indicators without
  a target (NI 118, NI 199) and without a lead (NI 116, NI 199) to the end.

Randomness is used only for small noise, from ``random.Random(seed)``, so the plan is
identical for the same seed; every value is rounded to one decimal place.
"""

from __future__ import annotations

import csv
import io
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from typing import Any

PLAN_END = "2011-03-31"

BE_HEALTHY = "Be healthy"
STAY_SAFE = "Stay safe"
ENJOY = "Enjoy and achieve"
CONTRIBUTE = "Make a positive contribution"
ECONOMIC = "Achieve economic well-being"
OUTCOMES = (BE_HEALTHY, STAY_SAFE, ENJOY, CONTRIBUTE, ECONOMIC)

UNITS = (
    "percent",
    "number",
    "rate_per_10000",
    "rate_per_1000",
    "rate_per_100000",
    "score",
    "percentage_points",
    "average_score",
)

# The five indicators the Executive paper names as having no clear lead organisation.
NO_LEAD_CODES = ("NI 50", "NI 71", "NI 199", "NI 116", "LOCAL 01")

Y07, Y08, Y09, Y10 = "2007-03-31", "2008-03-31", "2009-03-31", "2010-03-31"
H08, H09 = "2008-09-30", "2009-09-30"
QUARTERS = (
    "2008-06-30",
    "2008-09-30",
    "2008-12-31",
    "2009-03-31",
    "2009-06-30",
    "2009-09-30",
    "2009-12-31",
    "2010-03-31",
)

CSV_NAME = "national_indicators_2008.csv"


@dataclass(frozen=True)
class DemoStep:
    """One HTTP request of the demo, and who would send it.

    ``path`` holds indicator codes raw (with their spaces); the loader quotes them.
    A ``lead`` step is sent with the token of the named lead ``lead_email``, because
    the API lets a lead submit only the returns of the indicators they lead.
    """

    method: str
    path: str
    body: dict[str, Any] | list[Any] | None
    role: str
    lead_email: str | None = None
    note: str = ""
    occurred_at: str | None = None  # when the council made the change (Occurred-At)


@dataclass(frozen=True)
class NationalIndicator:
    """One row of the project's fixture of 2008 children's indicators."""

    code: str
    title: str
    polarity: str
    unit: str
    frequency: str
    data_source: str
    evidence: str


def national_indicators() -> list[NationalIndicator]:
    """The indicators of the fixture CSV, in file order.

    Read from the package so the plan needs no path on disk and ships with the wheel.
    """
    text = resources.files(__package__ or "services.demo").joinpath(CSV_NAME)
    rows = csv.DictReader(io.StringIO(text.read_text(encoding="utf-8")))
    return [
        NationalIndicator(
            code=r["code"].strip(),
            title=r["title"].strip(),
            polarity=r["polarity"].strip(),
            unit=r["unit"].strip(),
            frequency=r["frequency"].strip(),
            data_source=r["data_source"].strip(),
            evidence=r["evidence"].strip(),
        )
        for r in rows
    ]


# --- The invented partnership ---------------------------------------------------


@dataclass(frozen=True)
class Lead:
    """A lead organisation and the (invented) person who answers for the indicator."""

    organisation: str
    name: str
    email: str

    def named_lead(self) -> dict[str, str]:
        """The ``named_lead`` request field."""
        return {"name": self.name, "email": self.email}


_CS = "Northshire County Council Children's Services"
_PCT = "Northshire Primary Care Trust"
_YOS = "Northshire Youth Offending Service"

SAFEGUARDING = Lead(_CS, "Margaret Holloway", "margaret.holloway@northshire.gov.uk")
LOOKED_AFTER = Lead(_CS, "Andrew Fenwick", "andrew.fenwick@northshire.gov.uk")
SCHOOLS = Lead(_CS, "Priya Ramsden", "priya.ramsden@northshire.gov.uk")
EARLY_YEARS = Lead(_CS, "Claire Whitlow", "claire.whitlow@northshire.gov.uk")
INCLUSION = Lead(_CS, "Helen Yardley", "helen.yardley@northshire.gov.uk")
DISABLED = Lead(_CS, "Elaine Moss", "elaine.moss@northshire.gov.uk")
YOUTH = Lead(_CS, "Tom Ashby", "tom.ashby@northshire.gov.uk")
PUBLIC_HEALTH = Lead(
    _PCT, "Dr Fiona Harrington", "fiona.harrington@northshire-pct.nhs.uk"
)
CAMHS = Lead(_PCT, "Dr Neil Cartwright", "neil.cartwright@northshire-pct.nhs.uk")
INFANT_FEEDING = Lead(_PCT, "Joanna Pilling", "joanna.pilling@northshire-pct.nhs.uk")
TEENAGE_PREGNANCY = Lead(_PCT, "Lucy Brennan", "lucy.brennan@northshire-pct.nhs.uk")
YOT = Lead(_YOS, "Martin Kershaw", "martin.kershaw@northshire.gov.uk")
CONNEXIONS = Lead(
    "Connexions Northshire",
    "Deborah Quayle",
    "deborah.quayle@connexions-northshire.org.uk",
)
POLICE = Lead(
    "Northshire Constabulary", "Karen Oldfield", "karen.oldfield@northshire.police.uk"
)
ROAD_SAFETY = Lead(
    "Northshire County Council Highways (Road Safety)",
    "Philip Dunmore",
    "philip.dunmore@northshire.gov.uk",
)
SCHOOLS_FORUM = Lead(
    "Northshire Schools Forum", "Gareth Lindley", "gareth.lindley@northshire.gov.uk"
)
SCHOOL_SPORT = Lead(
    "Northshire School Sport Partnerships",
    "Gary Tennant",
    "gary.tennant@northshire.gov.uk",
)
DAAT = Lead(
    "Northshire Drug and Alcohol Action Team",
    "Samira Haddad",
    "samira.haddad@northshire.gov.uk",
)
HOUSING = Lead(
    "Northshire District Councils' Housing Partnership",
    "Bernadette Cole",
    "bernadette.cole@northshire.gov.uk",
)


@dataclass(frozen=True)
class Breakdown:
    """How a result splits into groups of children (aggregates only, never a child).

    Each group's value is the headline value plus ``offset`` (or times ``offset``
    when ``relative``), plus a little noise.
    """

    groups: tuple[tuple[str, float], ...]
    relative: bool = False
    # Groups councils publish for attainment and NEET (FSM, SEN, looked-after
    # children, localities): (group, offset, change in the offset a year, count
    # of children or 0). Their noise has its own generator, so adding them leaves
    # every other figure of the demo as it was.
    more: tuple[tuple[str, float, float, int], ...] = ()


GENDER_GIRLS_HIGHER = Breakdown((("male", -2.5), ("female", 2.5)))
GENDER_BOYS_HIGHER = Breakdown((("male", 1.0), ("female", -1.0)))


@dataclass(frozen=True)
class Story:
    """What the demo invents for one indicator: its framing and its results.

    ``results`` maps a period_end to the headline value before noise. Periods left
    out of a round are missing returns on purpose. ``target`` is the target agreed
    in July 2008 (None when it is agreed later, or never in the demo).
    """

    outcome: str
    unit: str
    lead: Lead | None
    baseline: tuple[str, float] | None
    target: float | None
    results: Mapping[str, float]
    laa: bool = False
    measurable: bool = True
    tolerance: float | None = None
    milestones: tuple[tuple[str, float], ...] = ()
    context: str = ""
    data_quality: str | None = None
    breakdown: Breakdown | None = None


def _quarterly(*values: float) -> dict[str, float]:
    return dict(zip(QUARTERS, values, strict=True))


STORIES: dict[str, Story] = {
    # Make a positive contribution: youth justice and positive activities.
    "NI 19": Story(
        CONTRIBUTE,
        "rate_per_1000",
        YOT,
        (Y07, 1120.0),
        1000.0,
        {Y09: 1058.0, Y10: 1012.0},
        laa=True,
        context="The intensive supervision pilot now covers the whole county.",
        data_quality="Proven re-offences per 1,000 young offenders in the tracked "
        "cohort (YJB frequency rate x 1,000).",
    ),
    "NI 43": Story(
        CONTRIBUTE,
        "percent",
        YOT,
        (Y08, 6.8),
        5.0,
        {Y09: 6.2, Y10: 5.3},
        context="More bail support and intensive alternatives to custody are "
        "being offered to the courts.",
    ),
    "NI 45": Story(
        CONTRIBUTE,
        "percent",
        YOT,
        (Y08, 70.5),
        80.0,
        {Y09: 71.2},
        context="Fewer apprenticeship and employment places since the recession began.",
        breakdown=Breakdown(
            (("white_british", 1.0), ("black_and_minority_ethnic", -4.5))
        ),
    ),
    "NI 110": Story(
        CONTRIBUTE,
        "percent",
        YOUTH,
        (Y08, 65.2),
        70.0,
        {Y09: 66.0, Y10: 66.8},
        laa=True,
        breakdown=Breakdown((("male", -2.9), ("female", 2.9))),
    ),
    "NI 111": Story(
        CONTRIBUTE,
        "rate_per_100000",
        YOT,
        (Y08, 1920.0),
        1750.0,
        {Y09: 1690.0, Y10: 1410.0},
        laa=True,
        milestones=((Y09, 1865.0), (Y10, 1805.0)),
        breakdown=Breakdown((("male", 1.45), ("female", 0.55)), relative=True),
    ),
    "NI 114": Story(
        CONTRIBUTE,
        "rate_per_10000",
        SCHOOLS,
        (Y08, 12.0),
        9.0,
        {Y09: 11.2, Y10: 9.8},
        context="Managed moves between secondary schools are replacing permanent "
        "exclusion.",
    ),
    # Be healthy.
    "NI 50": Story(
        BE_HEALTHY,
        "percent",
        None,
        (Y08, 62.4),
        None,
        {Y09: 63.8, Y10: 65.4},
        context="Targeted mental health in schools is running in 40 schools.",
        data_quality="TellUs survey: confidence interval about +/-2 points.",
    ),
    "NI 51": Story(
        BE_HEALTHY,
        "score",
        CAMHS,
        (Y08, 11.0),
        16.0,
        _quarterly(11.0, 12.0, 12.0, 13.0, 13.0, 14.0, 14.0, 15.0),
        laa=True,
    ),
    "NI 52": Story(
        BE_HEALTHY,
        "percent",
        SCHOOLS_FORUM,
        (Y08, 38.5),
        45.0,
        {Y09: 38.9},
        context="The meal price rose by 10p in September 2008 and take-up has not "
        "grown.",
    ),
    "NI 53": Story(
        BE_HEALTHY,
        "percent",
        INFANT_FEEDING,
        (Y08, 41.0),
        48.0,
        {H08: 42.4, Y09: 43.5, Y10: 46.6},
        context="Baby Friendly accreditation work is under way in both maternity "
        "units.",
        data_quality="Coverage: 88% of babies had a recorded feeding status at "
        "6-8 weeks.",
    ),
    "NI 54": Story(
        BE_HEALTHY,
        "score",
        DISABLED,
        None,
        None,
        {},
        measurable=False,
    ),
    "NI 55": Story(
        BE_HEALTHY,
        "percent",
        PUBLIC_HEALTH,
        (Y07, 9.6),
        9.0,
        {Y09: 9.9, Y10: 10.3},
        context="The healthy weight programme for families reached 300 families.",
        data_quality="NCMP: 89% of Reception children measured.",
    ),
    "NI 56": Story(
        BE_HEALTHY,
        "percent",
        PUBLIC_HEALTH,
        (Y07, 17.8),
        17.0,
        {Y09: 18.1, Y10: 17.7},
        laa=True,
        breakdown=Breakdown((("male", 1.6), ("female", -1.6))),
    ),
    "NI 57": Story(
        BE_HEALTHY,
        "percent",
        SCHOOL_SPORT,
        (Y08, 74.0),
        80.0,
        {Y09: 82.5, Y10: 86.0},
        context="Every school is now in a School Sport Partnership.",
        data_quality="PE and School Sport survey: 98% of schools responded.",
    ),
    "NI 58": Story(
        BE_HEALTHY,
        "average_score",
        LOOKED_AFTER,
        None,
        None,
        {Y10: 13.9},
        measurable=False,
        context="Dedicated CAMHS time for children in care started in 2009.",
        data_quality="SDQ returned for 81% of eligible children in care.",
    ),
    "NI 112": Story(
        BE_HEALTHY,
        "rate_per_1000",
        TEENAGE_PREGNANCY,
        (Y08, 38.2),
        30.0,
        _quarterly(38.6, 37.9, 38.4, 37.6, 37.9, 37.2, 37.5, 36.9),
        laa=True,
        milestones=((Y09, 36.0), (Y10, 33.0)),
    ),
    "NI 115": Story(
        BE_HEALTHY,
        "percent",
        DAAT,
        (Y08, 10.8),
        9.5,
        {Y09: 10.2, Y10: 9.7},
        laa=True,
    ),
    # Stay safe.
    "NI 48": Story(
        STAY_SAFE,
        "number",
        ROAD_SAFETY,
        (Y07, 58.0),
        48.0,
        {Y09: 52.0, Y10: 61.0},
        context="Two multi-casualty collisions near schools in the autumn.",
        data_quality="Small numbers: a three-year rolling average would be steadier.",
    ),
    "NI 59": Story(
        STAY_SAFE,
        "percent",
        SAFEGUARDING,
        (Y08, 68.0),
        80.0,
        {Y09: 74.5, Y10: 79.0},
        context="The duty and assessment team was restructured in 2008.",
    ),
    "NI 60": Story(
        STAY_SAFE,
        "percent",
        SAFEGUARDING,
        (Y08, 72.0),
        80.0,
        {Y09: 81.0, Y10: 84.2},
        context="Core assessments are tracked weekly by team managers.",
    ),
    "NI 61": Story(
        STAY_SAFE,
        "percent",
        LOOKED_AFTER,
        (Y08, 72.0),
        80.0,
        {Y09: 66.7, Y10: 75.0},
        context="Parallel (concurrent) planning was introduced in 2009.",
        data_quality="Small numbers: 12 children were placed for adoption.",
    ),
    "NI 62": Story(
        STAY_SAFE,
        "percent",
        LOOKED_AFTER,
        (Y08, 12.4),
        10.0,
        {Y09: 11.3, Y10: 10.5},
        context="Foster carer recruitment is ahead of plan.",
    ),
    "NI 63": Story(
        STAY_SAFE,
        "percent",
        LOOKED_AFTER,
        (Y08, 63.0),
        70.0,
        {Y10: 68.4},
        context="Long-term matching panels now meet monthly.",
    ),
    "NI 64": Story(
        STAY_SAFE,
        "percent",
        SAFEGUARDING,
        (Y08, 7.8),
        5.0,
        {Y09: 6.4, Y10: 5.5},
        context="Every plan over 15 months now has an independent review.",
    ),
    "NI 65": Story(
        STAY_SAFE,
        "percent",
        SAFEGUARDING,
        (Y08, 14.2),
        12.0,
        {Y09: 15.6, Y10: 16.8},
        context="An audit of plans ended in 2008-09 is under way.",
    ),
    "NI 68": Story(
        STAY_SAFE,
        "percent",
        SAFEGUARDING,
        (Y08, 63.0),
        65.0,
        {Y09: 63.9, Y10: 65.2},
        tolerance=3.0,
        context="The level of referrals going on to assessment is where the "
        "Safeguarding Board wants it.",
    ),
    "NI 69": Story(
        STAY_SAFE,
        "percent",
        INCLUSION,
        (Y08, 27.5),
        24.0,
        {Y09: 26.2, Y10: 24.8},
        context="Anti-bullying charters are signed in 85% of schools.",
        data_quality="TellUs survey: confidence interval about +/-2 points.",
        breakdown=Breakdown((("male", -1.5), ("female", 1.5))),
    ),
    "NI 70": Story(
        STAY_SAFE,
        "rate_per_10000",
        PUBLIC_HEALTH,
        (Y08, 128.0),
        115.0,
        {Y09: 123.8, Y10: 118.2},
        context="Home safety equipment scheme for families with under-fives.",
    ),
    "NI 71": Story(
        STAY_SAFE,
        "score",
        None,
        None,
        None,
        {Y10: 2.0},
        measurable=False,
        context="The joint missing-from-home protocol was agreed with the police.",
    ),
    # Enjoy and achieve.
    "NI 72": Story(
        ENJOY,
        "percent",
        EARLY_YEARS,
        (Y08, 47.5),
        55.0,
        {Y09: 49.8, Y10: 53.1},
        context="Communication, language and literacy training for all "
        "Foundation Stage staff.",
        breakdown=Breakdown((("male", -3.5), ("female", 3.5))),
    ),
    "NI 73": Story(
        ENJOY,
        "percent",
        SCHOOLS,
        (Y07, 71.0),
        78.0,
        {Y09: 72.0, Y10: 72.5},
        milestones=((Y09, 73.5), (Y10, 75.5)),
        context="Mathematics results have not moved in the schools causing concern.",
        breakdown=Breakdown(
            GENDER_GIRLS_HIGHER.groups,
            more=(
                ("fsm", -20.5, -0.8, 0),
                ("not_fsm", 3.8, 0.2, 0),
                ("sen", -36.0, 1.0, 0),
                ("no_sen", 8.0, 0.0, 0),
                ("looked_after", -31.0, 0.0, 4),
            ),
        ),
    ),
    "NI 75": Story(
        ENJOY,
        "percent",
        SCHOOLS,
        (Y07, 44.0),
        53.0,
        {Y09: 47.5, Y10: 51.6},
        milestones=((Y09, 47.0), (Y10, 50.0)),
        context="The National Challenge schools improved most.",
        breakdown=Breakdown(
            (("male", -4.0), ("female", 4.0)),
            more=(
                ("fsm", -27.0, -1.2, 0),
                ("not_fsm", 4.5, 0.3, 0),
                ("sen", -33.0, 0.5, 0),
                ("no_sen", 7.0, 0.0, 0),
                ("looked_after", -37.0, 1.5, 23),
            ),
        ),
    ),
    "NI 87": Story(
        ENJOY,
        "percent",
        SCHOOLS,
        (Y07, 6.2),
        4.8,
        {Y09: 5.9, Y10: 6.2},
        context="Attendance advisers now work with every secondary school.",
        breakdown=Breakdown(
            (("looked_after", 2.4), ("not_looked_after", 0.98)), relative=True
        ),
    ),
    "NI 92": Story(
        ENJOY,
        "percentage_points",
        EARLY_YEARS,
        (Y08, 35.8),
        31.0,
        {Y09: 34.2, Y10: 32.2},
        context="Children's centres target the 20 most deprived areas.",
    ),
    "NI 101": Story(
        ENJOY,
        "percent",
        LOOKED_AFTER,
        (Y08, 10.5),
        20.0,
        {Y09: 9.1, Y10: 15.0},
        context="The virtual school head has tracked every child in Year 11.",
        data_quality="Very small cohort (33 young people): one young person moves "
        "the result by 3 points.",
    ),
    "NI 102": Story(
        ENJOY,
        "percentage_points",
        SCHOOLS,
        (Y07, 28.5),
        24.0,
        {Y09: 28.9, Y10: 29.3},
        context="Pupils not eligible for free school meals improved faster than "
        "those eligible.",
    ),
    "NI 199": Story(
        ENJOY,
        "percent",
        None,
        (Y08, 41.0),
        None,
        {Y10: 44.3},
        data_quality="TellUs survey: confidence interval about +/-2 points.",
    ),
    # Achieve economic well-being.
    "NI 116": Story(
        ECONOMIC,
        "percent",
        None,
        (Y07, 17.6),
        16.0,
        {Y09: 17.9, Y10: 18.4},
        laa=True,
    ),
    "NI 117": Story(
        ECONOMIC,
        "percent",
        CONNEXIONS,
        (Y08, 6.8),
        5.5,
        _quarterly(6.6, 7.1, 6.5, 6.1, 5.9, 6.3, 6.5, 6.2),
        laa=True,
        milestones=((Y09, 6.4), (Y10, 6.0)),
        breakdown=Breakdown(
            GENDER_BOYS_HIGHER.groups,
            more=(
                ("care_leaver", 21.0, -2.0, 38),
                ("locality:Northtown", 2.2, 0.6, 0),
                ("locality:Eastvale", -1.4, 0.0, 0),
                ("locality:Southmoor", -0.5, -0.2, 0),
            ),
        ),
    ),
    "NI 118": Story(
        ECONOMIC,
        "percent",
        EARLY_YEARS,
        (Y08, 18.5),
        None,
        {Y09: 19.1, Y10: 19.6},
        context="HMRC data arrive a year late, so the target is still to be agreed.",
    ),
    "NI 147": Story(
        ECONOMIC,
        "percent",
        LOOKED_AFTER,
        (Y08, 84.0),
        90.0,
        {Y09: 86.5, Y10: 89.0},
        context="Supported lodgings places increased from 12 to 20.",
    ),
    "NI 148": Story(
        ECONOMIC,
        "percent",
        LOOKED_AFTER,
        (Y08, 58.0),
        68.0,
        {Y09: 60.5, Y10: 57.0},
        context="Care leavers have been hit hard by the fall in jobs for young people.",
    ),
    "LOCAL 01": Story(
        ECONOMIC,
        "number",
        None,
        (Y08, 38.0),
        25.0,
        {H08: 41.0, Y09: 36.0, H09: 30.0, Y10: 26.0},
        context="The joint housing and children's services assessment protocol "
        "is in place in every district.",
        data_quality="Quarter's count from the P1E returns of the district councils.",
    ),
}

# Leads assigned in January 2009 (v3) and with NI 71 in 2009-10 (v4).
LATER_LEADS: dict[str, Lead] = {"NI 50": CAMHS, "LOCAL 01": HOUSING, "NI 71": POLICE}

# Predictions that contradict the trend (the Executive should challenge these).
PREDICTION_OVERRIDES: dict[tuple[str, str], str] = {
    ("NI 55", Y10): "on_target",
    ("NI 87", Y10): "on_target",
    ("NI 59", Y10): "off_target",
}
# Returns sent without a prediction (besides those with no target to predict).
NO_PREDICTION: frozenset[tuple[str, str]] = frozenset({("NI 92", Y09), ("NI 63", Y10)})
# The first, wrong value of a return that is later corrected.
CORRECTIONS: dict[tuple[str, str], float] = {("NI 72", Y10): 53.8}

COMMENTARY: dict[tuple[str, str], str] = {
    ("NI 55", Y10): "Up again, but we expect the healthy weight programme for "
    "families to bring this back to target by 2011.",
    ("NI 87", Y10): "Broadly level. Attendance advisers are now in every "
    "secondary school and we are confident of reaching the target.",
    ("NI 59", Y10): "Timeliness has held up so far, but referrals are up by a "
    "third since November 2008 and we do not expect to sustain it.",
    ("NI 101", Y10): "A much better year for a small cohort: the virtual school "
    "tracked every young person in Year 11.",
    ("NI 199", Y10): "Submitted by the central team: no partner leads this "
    "indicator yet.",
    ("LOCAL 01", H08): "Submitted by the central team from the district councils' "
    "P1E returns: no partner leads this indicator yet.",
}


# --- Arithmetic the plan needs -----------------------------------------------------


def _day(iso: str) -> date:
    return date.fromisoformat(iso)


def projection(
    baseline: tuple[str, float], results: Mapping[str, float], due: str
) -> float | None:
    """Least-squares line through the baseline and later results, read at ``due``.

    The plan uses it to give each lead the prediction a careful lead would make, so
    that only the predictions chosen to conflict with the trend get challenged.
    """
    start = _day(baseline[0]).toordinal()
    points = [(0.0, baseline[1])] + [
        (float(_day(p).toordinal() - start), v)
        for p, v in sorted(results.items())
        if p > baseline[0]
    ]
    if len(points) < 2:
        return None
    n = len(points)
    mx = math.fsum(x for x, _ in points) / n
    my = math.fsum(y for _, y in points) / n
    sxx = math.fsum((x - mx) ** 2 for x, _ in points)
    sxy = math.fsum((x - mx) * (y - my) for x, y in points)
    slope = sxy / sxx if sxx else 0.0
    return my + slope * ((_day(due).toordinal() - start) - mx)


def on_target(
    polarity: str,
    baseline: tuple[str, float],
    target: float,
    tolerance: float | None,
    results: Mapping[str, float],
) -> bool | None:
    """Whether the trend so far reaches the 2011 target (None when it cannot tell)."""
    p = projection(baseline, results, PLAN_END)
    if p is None:
        return None
    if polarity == "closer_is_better":
        tol = tolerance if tolerance is not None else 0.05 * abs(target - baseline[1])
        return abs(p - target) <= tol + 1e-9
    if polarity == "lower_is_better":
        return p <= target + 1e-9
    return p >= target - 1e-9


def _r1(value: float) -> float:
    return round(value, 1)


_INTEGER_UNITS = ("number", "score")


def _noise(rng: random.Random, value: float, unit: str) -> float:
    """A small wobble: one unit of the last shown digit, often none.

    Counts and self-assessment scores are whole numbers, so they get none.
    """
    pick = rng.choice((-1, 0, 0, 1))
    if unit in _INTEGER_UNITS:
        return value
    step = 0.1 if abs(value) < 200 else 2.0
    return _r1(value + pick * step)


def _month(iso: str) -> str:
    return _day(iso).strftime("%B %Y")


def describe(value: float, unit: str) -> str:
    """A value as a Board paper would print it."""
    shown = f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
    return {
        "percent": f"{value:.1f}%",
        "percentage_points": f"{value:.1f} percentage points",
        "rate_per_1000": f"{shown} per 1,000",
        "rate_per_10000": f"{shown} per 10,000",
        "rate_per_100000": f"{shown} per 100,000",
    }.get(unit, shown)


# --- Building the plan -------------------------------------------------------------


@dataclass
class _Indicator:
    """What the plan has told the server so far about one indicator."""

    row: NationalIndicator
    story: Story
    lead: Lead | None
    measurable: bool
    baseline: tuple[str, float] | None = None
    target: float | None = None
    sent: dict[str, float] = field(default_factory=dict)


class _Builder:
    """Writes the steps in order and remembers what the server has been told."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.steps: list[DemoStep] = []
        rows = national_indicators()
        missing = [r.code for r in rows if r.code not in STORIES]
        if missing:
            raise ValueError(f"no demo story for {', '.join(missing)}")
        self.inds: dict[str, _Indicator] = {
            r.code: _Indicator(r, STORIES[r.code], STORIES[r.code].lead, False)
            for r in rows
        }
        self.values = self._invent_values()
        self.now = datetime(2008, 6, 2, 9, 0, tzinfo=UTC)

    def at(self, day: str, hour: int = 9) -> None:
        """Move the demo's clock forward to ``day`` (never back)."""
        when = datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)
        self.now = max(self.now, when)

    def _invent_values(self) -> dict[tuple[str, str], float]:
        """Every result the demo will report, noise added once, in a fixed order."""
        out: dict[tuple[str, str], float] = {}
        for code, ind in self.inds.items():
            for period, value in sorted(ind.story.results.items()):
                v = _noise(self.rng, value, ind.story.unit)
                if ind.story.unit == "percent":
                    v = min(100.0, max(0.0, v))
                out[(code, period)] = v
        return out

    def add(self, step: DemoStep) -> None:
        stamp = self.now.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.steps.append(replace(step, occurred_at=stamp))
        self.now += timedelta(minutes=1)

    # Framework definition ---------------------------------------------------------

    def register(self, code: str) -> None:
        ind = self.inds[code]
        row, story = ind.row, ind.story
        body: dict[str, Any] = {
            "code": code,
            "title": row.title,
            "outcome": story.outcome,
            "polarity": row.polarity,
            "unit": story.unit,
            "frequency": row.frequency,
            "laa": story.laa,
            "measurable": story.measurable,
        }
        if story.lead is not None:
            body["lead_organisation"] = story.lead.organisation
            body["named_lead"] = story.lead.named_lead()
        if story.tolerance is not None:
            body["tolerance"] = story.tolerance
        ind.measurable = story.measurable
        self.add(
            DemoStep(
                "POST", "/api/v1/indicators", body, "admin", note=f"Register {code}"
            )
        )

    def baseline(self, code: str, period: str, value: float) -> None:
        self.inds[code].baseline = (period, value)
        self.add(
            DemoStep(
                "PUT",
                f"/api/v1/indicators/{code}/baseline",
                {"value": value, "period_end": period},
                "admin",
                note=f"Baseline for {code}",
            )
        )

    def target(self, code: str, value: float, reason: str) -> None:
        self.inds[code].target = value
        self.add(
            DemoStep(
                "PUT",
                f"/api/v1/indicators/{code}/target",
                {"value": value, "period_end": PLAN_END, "reason": reason},
                "admin",
                note=f"Target for {code}: {reason}",
            )
        )

    def milestones(self, code: str, points: tuple[tuple[str, float], ...]) -> None:
        body = {"milestones": [{"value": v, "period_end": p} for p, v in points]}
        self.add(
            DemoStep(
                "PUT",
                f"/api/v1/indicators/{code}/milestones",
                body,
                "admin",
                note=f"Milestones for {code}",
            )
        )

    def lead(self, code: str, lead: Lead) -> None:
        self.inds[code].lead = lead
        body = {"lead_organisation": lead.organisation, "named_lead": lead.named_lead()}
        self.add(
            DemoStep(
                "PUT",
                f"/api/v1/indicators/{code}/lead",
                body,
                "admin",
                note=f"Lead assigned to {code}",
            )
        )

    def make_measurable(self, code: str, reason: str) -> None:
        self.inds[code].measurable = True
        self.add(
            DemoStep(
                "PATCH",
                f"/api/v1/indicators/{code}",
                {"measurable": True, "reason": reason},
                "admin",
                note=f"{code} becomes measurable",
            )
        )

    def comparators(self) -> None:
        """Name the council's comparators, then load the illustrative figures."""
        from .comparators import COUNCIL, NEIGHBOURS, REGION, SOURCE, illustrative_rows

        self.add(
            DemoStep(
                "PUT",
                "/api/v1/framework/settings",
                {
                    "area_code": COUNCIL[0],
                    "region_code": REGION[0],
                    "statistical_neighbours": NEIGHBOURS,
                },
                "admin",
                note="Name the council's area, region and statistical neighbours",
            )
        )
        self.add(
            DemoStep(
                "POST",
                "/api/v1/comparators",
                {
                    "source": SOURCE,
                    "published": "2009-12-01",
                    "rows": illustrative_rows(),
                },
                "admin",
                note="Load the illustrative comparator figures for 2007/08 and 2008/09",
            )
        )

    def version(self, label: str, note: str) -> None:
        self.add(
            DemoStep(
                "POST",
                "/api/v1/framework/versions",
                {"label": label, "note": note},
                "admin",
                note=f"Publish {label}",
            )
        )

    # Rounds and results -----------------------------------------------------------

    def round(self, rid: str, period: str, deadline: str) -> None:
        """Open a round, collect its returns and LAA results, then close it."""
        half_year = period.endswith("-09-30")
        # The round names what it asks for, as the framework stood when it opened:
        # otherwise the server would judge an old round by today's framework (an
        # indicator made measurable later would seem to owe a return it never
        # could). Annual indicators have nothing new at the half year.
        scope = [
            c
            for c, ind in self.inds.items()
            if ind.measurable and not (half_year and ind.row.frequency == "annual")
        ]
        body: dict[str, Any] = {
            "id": rid,
            "period_end": period,
            "requested": period,
            "deadline": deadline,
            "scope": scope,
        }
        self.at(period)
        self.add(
            DemoStep("POST", "/api/v1/rounds", body, "admin", note=f"Open round {rid}")
        )
        self.at((_day(deadline) - timedelta(days=10)).isoformat())
        corrections: list[str] = []
        for code, ind in self.inds.items():
            if ind.story.laa or not ind.measurable:
                continue
            if (code, period) not in self.values:
                continue  # a missing return, on purpose
            if (code, period) in CORRECTIONS:
                self.lead_return(code, period, CORRECTIONS[(code, period)])
                corrections.append(code)
            else:
                self.lead_return(code, period)
        self.laa_batch(period)
        self.at((_day(deadline) - timedelta(days=2)).isoformat())
        for code in corrections:
            self.lead_return(code, period, corrected=True)
        self.at((_day(deadline) + timedelta(days=1)).isoformat())
        self.add(
            DemoStep(
                "POST",
                f"/api/v1/rounds/{rid}/close",
                None,
                "admin",
                note=f"Close round {rid} after its deadline {deadline}",
            )
        )

    def lead_return(
        self,
        code: str,
        period: str,
        wrong_value: float | None = None,
        corrected: bool = False,
    ) -> None:
        ind = self.inds[code]
        story, polarity = ind.story, ind.row.polarity
        value = self.values[(code, period)] if wrong_value is None else wrong_value
        earlier = {p: v for p, v in ind.sent.items() if p < period}
        previous = max(earlier) if earlier else None
        ind.sent[period] = value
        body: dict[str, Any] = {
            "indicator_code": code,
            "period_end": period,
            "value": value,
        }
        prediction = self._prediction(ind, period)
        if prediction is not None:
            body["prediction"] = prediction
        breakdowns = self._breakdowns(story, value, code, period)
        if breakdowns is not None:
            body["breakdowns"] = breakdowns
        body["commentary"] = (
            "Corrected after data validation: the first figure counted children "
            "who had left the county before the assessment."
            if corrected
            else self._commentary(ind, period, value, previous, polarity)
        )
        if story.data_quality:
            body["data_quality"] = story.data_quality
        if ind.lead is not None:
            role, email = "lead", ind.lead.email
        else:
            role, email = "admin", None
        what = "Correction" if corrected else "Return"
        self.add(
            DemoStep(
                "POST",
                "/api/v1/returns",
                body,
                role,
                email,
                note=f"{what} for {code}, period ending {period}",
            )
        )

    def _prediction(self, ind: _Indicator, period: str) -> str | None:
        code = ind.row.code
        if (code, period) in PREDICTION_OVERRIDES:
            return PREDICTION_OVERRIDES[(code, period)]
        if (code, period) in NO_PREDICTION:
            return None
        if ind.baseline is None or ind.target is None:
            return None  # nothing to predict against
        verdict = on_target(
            ind.row.polarity, ind.baseline, ind.target, ind.story.tolerance, ind.sent
        )
        if verdict is None:
            return None
        return "on_target" if verdict else "off_target"

    def _breakdowns(
        self, story: Story, value: float, code: str, period: str
    ) -> dict[str, Any] | None:
        split = story.breakdown
        if split is None:
            return None
        out: dict[str, Any] = {}
        for group, offset in split.groups:
            v = value * offset if split.relative else value + offset
            v = _r1(v + self.rng.choice((-0.2, -0.1, 0.0, 0.1, 0.2)))
            if story.unit == "percent":
                v = min(100.0, max(0.0, v))
            out[group] = v
        years = (date.fromisoformat(period) - date(2008, 3, 31)).days / 365.25
        for group, offset, drift, count in split.more:
            noise = random.Random(f"{code}|{period}|{group}")
            v = _r1(value + offset + drift * years + noise.choice((-0.3, 0.0, 0.3)))
            if story.unit == "percent":
                v = min(100.0, max(0.0, v))
            out[group] = {"value": v, "n": count} if count else v
        return out

    def _commentary(
        self,
        ind: _Indicator,
        period: str,
        value: float,
        previous: str | None,
        polarity: str,
    ) -> str:
        code, unit = ind.row.code, ind.story.unit
        if (code, period) in COMMENTARY:
            return COMMENTARY[(code, period)]
        parts = [f"{describe(value, unit)} for the period ending {_month(period)}."]
        if previous is not None:
            before = ind.sent[previous]
            change = value - before
            better = change > 0 if polarity == "higher_is_better" else change < 0
            if polarity == "closer_is_better" and ind.target is not None:
                better = abs(value - ind.target) < abs(before - ind.target)
            if abs(change) < 1e-9:
                parts.append(f"No change since {_month(previous)}.")
            else:
                word = "Better" if better else "Worse"
                parts.append(
                    f"{word} than {describe(before, unit)} in {_month(previous)}."
                )
        elif ind.baseline is not None:
            parts.append(
                f"Baseline {describe(ind.baseline[1], unit)} "
                f"({_month(ind.baseline[0])})."
            )
        if ind.target is not None:
            parts.append(f"Target for March 2011: {describe(ind.target, unit)}.")
        if ind.story.context:
            parts.append(ind.story.context)
        return " ".join(parts)

    def laa_batch(self, quarter: str) -> None:
        """The LAA system's results for one quarter, about three weeks after it."""
        sent_at = _day(quarter) + timedelta(days=21)
        self.at(sent_at.isoformat(), hour=10)
        messages: list[dict[str, Any]] = []
        for code, ind in self.inds.items():
            if not ind.story.laa or (code, quarter) not in self.values:
                continue
            value = self.values[(code, quarter)]
            ind.sent[quarter] = value
            message: dict[str, Any] = {
                "result_id": f"LAA-{code}-{quarter}",
                "indicator_code": code,
                "period_end": quarter,
                "value": value,
            }
            breakdowns = self._breakdowns(ind.story, value, code, quarter)
            if breakdowns is not None:
                message["breakdowns"] = breakdowns
            message["submitted_at"] = f"{sent_at.isoformat()}T09:30:00Z"
            message["source"] = "LAA"
            messages.append(message)
        if messages:
            self.add(
                DemoStep(
                    "POST",
                    "/api/v1/laa-results",
                    messages,
                    "system",
                    note=f"LAA results for the quarter ending {quarter}",
                )
            )


AGREED_JULY_2008 = "Agreed by the CYP Board, July 2008"


def demo_plan(seed: int = 2008) -> list[DemoStep]:
    """The demo as HTTP requests in the order the council would have sent them.

    June 2008 the framework is agreed (v1), July 2008 its targets (v2); returns are
    collected at the end of each September and March for two years (2008-H1 to
    2009-H2) while LAA results arrive every quarter; leads are found for NI 50 and
    LOCAL 01 in January 2009 (v3); in 2009-10 targets are revised and NI 71 and NI 58
    become measurable (v4). The same ``seed`` always gives the same plan.
    """
    b = _Builder(seed)
    codes = list(b.inds)

    # June 2008: the framework, its leads and baselines.
    for code in codes:
        b.register(code)
    for code in codes:
        story = STORIES[code]
        if story.measurable and story.baseline is not None:
            b.baseline(code, *story.baseline)
    b.version(
        "v1: framework agreed June 2008",
        f"{len(codes)} indicators with their leads and baselines, agreed by the CYP "
        "Board. NI 50, NI 71, NI 199, NI 116 and LOCAL 01 have no lead organisation "
        "yet; NI 54, NI 58 and NI 71 are not yet measurable (target needed later).",
    )

    # July 2008: targets and milestones.
    b.at("2008-07-15")
    for code in codes:
        story = STORIES[code]
        if story.measurable and story.target is not None:
            b.target(code, story.target, AGREED_JULY_2008)
    for code in codes:
        if STORIES[code].milestones:
            b.milestones(code, STORIES[code].milestones)
    b.version(
        "v2: targets agreed July 2008",
        "Three-year targets to March 2011 and interim milestones for the LAA and "
        "attainment indicators. NI 50, NI 118 and NI 199 have no target yet.",
    )
    b.laa_batch("2008-06-30")

    # Autumn 2008: the half-year round.
    b.round("2008-H1", "2008-09-30", "2008-10-31")

    # January 2009: leads found for two of the five, and a target for NI 50.
    b.laa_batch("2008-12-31")
    b.at("2009-01-26")
    b.lead("NI 50", LATER_LEADS["NI 50"])
    b.lead("LOCAL 01", LATER_LEADS["LOCAL 01"])
    b.target("NI 50", 66.0, "Agreed by the CYP Board, January 2009, with the new lead")
    b.version(
        "v3: leads assigned, January 2009",
        "The Primary Care Trust leads NI 50 (emotional health) and the district "
        "councils' housing partnership leads LOCAL 01 (homeless 16/17-year-olds). "
        "NI 71, NI 116 and NI 199 still have no lead. NI 50 has its target.",
    )

    # April 2009: the year-end round.
    b.round("2008-H2", "2009-03-31", "2009-04-30")

    # Summer and autumn 2009: revised targets and the 2009-10 half year.
    b.laa_batch("2009-06-30")
    b.at("2009-07-20")
    b.target(
        "NI 60",
        87.0,
        "Revised after 2008/09 outturn: the original target was met two years early",
    )
    b.target(
        "NI 117",
        6.0,
        "Revised in the 2009 LAA refresh: the recession has raised NEET across "
        "the region",
    )
    b.milestones("NI 117", ((Y09, 6.6), (Y10, 6.3)))
    b.target(
        "NI 116",
        16.8,
        "Revised for the 2009 change to the HMRC local child poverty measure",
    )
    b.round("2009-H1", "2009-09-30", "2009-10-31")

    # November 2009: NI 71 and NI 58 become measurable.
    b.at("2009-11-16")
    b.make_measurable(
        "NI 71",
        "Measured from 2009-10: the first self-evaluation against the runaways "
        "standard is complete",
    )
    b.lead("NI 71", LATER_LEADS["NI 71"])
    b.baseline("NI 71", Y09, 1.0)
    b.target("NI 71", 3.0, "Agreed by the CYP Board, November 2009")
    b.make_measurable(
        "NI 58",
        "The first SDQ returns for children in care (2008-09) give a baseline",
    )
    b.baseline("NI 58", Y09, 14.6)
    b.target("NI 58", 13.5, "Agreed by the CYP Board, November 2009")
    b.version(
        "v4: NI 71 measurable, revised targets, 2009-10",
        "NI 71 (runaways) and NI 58 (emotional health of children in care) are now "
        "measurable with baselines and targets; the Constabulary leads NI 71. "
        "Targets revised for NI 60, NI 116 and NI 117 (LAA refresh). NI 54 still "
        "awaits the national survey.",
    )

    # December 2009: the national figures for 2008/09 (illustrative in the demo)
    # to compare with England, the region and the statistical neighbours.
    b.at("2009-12-07")
    b.comparators()

    # April 2010: the second year-end round.
    b.laa_batch("2009-12-31")
    b.round("2009-H2", "2010-03-31", "2010-04-30")
    return b.steps


__all__ = [
    "NO_LEAD_CODES",
    "OUTCOMES",
    "QUARTERS",
    "STORIES",
    "UNITS",
    "DemoStep",
    "Lead",
    "NationalIndicator",
    "Story",
    "demo_plan",
    "describe",
    "national_indicators",
    "on_target",
    "projection",
]
