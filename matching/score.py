"""Small scoring terms, each tested on its own. All return plain floats (or numpy arrays of
them) and know nothing about solvers."""
from __future__ import annotations

import math

import numpy as np

from .model import Participant

INTEREST_WEIGHT = 0.7   # an interest is weaker evidence than an explicit offer
SUPPORT_WEIGHT = 0.3    # ... but an interest that agrees with an offer adds to it
ACTIVITY_WEIGHT = 0.15  # members who take part (hours in the timebank) rank a little higher


def text_relevance(offer_sim, interest_sim):
    """Combine the best offer similarity with the interest similarity (both in [0, 1]).
    max(offer, 0.7 * interest) + 0.3 * min(...): an offer counts fully, interests alone
    count less, and the two together count more than either."""
    o = np.asarray(offer_sim, dtype=np.float64)
    i = INTEREST_WEIGHT * np.asarray(interest_sim, dtype=np.float64)
    return np.maximum(o, i) + SUPPORT_WEIGHT * np.minimum(o, i)


def activity(hours_given: float, hours_received: float) -> float:
    """1.0 for someone with no timebank activity, rising slowly towards 1 + ACTIVITY_WEIGHT.
    Who is active and available matters, not only what the text says."""
    h = max(0.0, hours_given) + max(0.0, hours_received)
    return 1.0 + ACTIVITY_WEIGHT * h / (h + 5.0)


def share_given(hours_given: float, hours_received: float) -> float:
    """Smoothed share of hours given, in (0, 1): 0.5 when nothing is known. People who have
    given many hours and received few score near 1 and come first in a round."""
    return (max(0.0, hours_given) + 1.0) / (max(0.0, hours_given) + max(0.0, hours_received) + 2.0)


def fairness_factor(p: Participant, weight: float) -> float:
    """Multiplier for edges answering p's ask: 1 + weight * (2 * share_given - 1)."""
    return 1.0 + weight * (2.0 * share_given(p.hours_given, p.hours_received) - 1.0)


CROSS_ATTRS = ("organisation", "sector", "nation")


def crossing(a: Participant, b: Participant) -> tuple[float, list[str]]:
    """Fraction of known attributes (organisation, sector, nation) on which a and b differ,
    and the names of those attributes. Unknown on either side counts as neither."""
    diff = []
    known = 0
    for attr in CROSS_ATTRS:
        x, y = getattr(a, attr), getattr(b, attr)
        if x and y:
            known += 1
            if x.strip().casefold() != y.strip().casefold():
                diff.append(attr)
    if known == 0:
        return 0.0, []
    return len(diff) / len(CROSS_ATTRS), diff


def crossing_factor(a: Participant, b: Participant, weight: float) -> float:
    return 1.0 + weight * crossing(a, b)[0]


def load_cost(unit: int, penalty: float) -> float:
    """Extra cost of giving a helper their (unit+1)-th suggestion in one round: 0 for the first,
    then penalty, 2 * penalty, ... (convex, so the solver spreads load across helpers)."""
    return penalty * unit


def popularity_damping(load: int, capacity: int, spread: float) -> float:
    """For ranked suggestions: a helper who appears in many asks' lists is damped a little,
    so popular helpers do not take every suggestion. 1.0 when load <= capacity."""
    excess = max(0, load - max(1, capacity))
    return 1.0 / (1.0 + spread * math.log1p(excess))
