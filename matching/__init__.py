"""matching: explainable, fair suggestions for a community of practice.

Pure library (stdlib, numpy, scipy, OR-Tools, rustworkx, jsonschema): plain ids and text in,
scored pairs with plain-language reasons out. It knows nothing about the web, the database
or mail.

    from matching import suggest, run_round, pair_peers, form_groups, load, Community
    community = load(dict_in_the_input_format)        # or build Community(...) in code
    suggest(community, top=5)      -> list[Suggestion]
    run_round(community, RoundOptions(cross_weight=0.15))  -> list[Pair]
    pair_peers(community)          -> list[Pair]   (ask_id None)
    form_groups(community, min_size=4, max_size=5) -> list[Group]   (Group.why: GroupReason(member id, text))
"""
from .errors import (DuplicateIdError, GroupSizeError, InputError, InputFileError, MatchingError,
                     NotFiniteError, SchemaError, SolverError, UnknownMemberError)
from .groups import form_groups
from .io import from_dict as load
from .io import groups_json, load_path, pairs_json, suggestions_json
from .model import (Ask, Candidate, Community, Group, GroupReason, HistoryEntry, Offer, Pair, Participant,
                    RoundOptions, Suggestion)
from .pipeline import pair_peers, run_round, suggest

__all__ = [
    "suggest", "run_round", "pair_peers", "form_groups", "load", "load_path",
    "suggestions_json", "pairs_json", "groups_json",
    "Ask", "Offer", "Participant", "HistoryEntry", "Community", "Candidate", "Suggestion",
    "Pair", "Group", "GroupReason", "RoundOptions",
    "MatchingError", "InputError", "InputFileError", "SchemaError", "NotFiniteError",
    "DuplicateIdError", "UnknownMemberError", "GroupSizeError", "SolverError",
]
