"""Invented demo community for the Network Weaving Hub.

``generate_community(size, seed)`` returns a deterministic list of member
profiles (plain dicts) for demos, screenshots, load tests and seeding a
development database.  Everything here is made up: names are random pairings
of common UK first names and surnames, every email address is on the reserved
``example.org`` domain, organisations and their places are fictional, and
links point at ``example.org`` hosts.  The themes and the way offers and asks
are phrased follow the language that communities of practice in UK health and
social care use about network weaving, but no real person, handle or
organisation is copied.

The module is stdlib-only and imports nothing from the rest of ``hub`` so it
can be used from scripts, tests and migrations alike.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

__all__ = [
    "SECTORS",
    "NATIONS",
    "ROLES",
    "DEMO_MEMBER_EMAIL",
    "DEMO_WEAVER_EMAIL",
    "DEMO_ADMIN_EMAIL",
    "THEMES",
    "generate_community",
]

SECTORS = ("nhs", "social_care", "third_sector", "local_authority", "academia", "lived_experience")
NATIONS = ("england", "scotland", "wales", "northern_ireland")
ROLES = ("connector", "project_coordinator", "network_catalyst", "network_guardian")

DEMO_MEMBER_EMAIL = "member@example.org"
DEMO_WEAVER_EMAIL = "weaver@example.org"
DEMO_ADMIN_EMAIL = "admin@example.org"

EMAIL_DOMAIN = "example.org"

# Share of generated (non-demo) members.  Quotas are allocated exactly with
# the largest-remainder method, so every nation and sector appears whenever
# the community is big enough for its share to round to at least one.
_NATION_WEIGHTS = {"england": 0.56, "scotland": 0.22, "wales": 0.11, "northern_ireland": 0.11}
_SECTOR_WEIGHTS = {
    "nhs": 0.30,
    "third_sector": 0.22,
    "social_care": 0.15,
    "local_authority": 0.13,
    "lived_experience": 0.12,
    "academia": 0.08,
}
_MATCHING_WEIGHTS = {"active": 0.85, "paused": 0.10, "opted_out": 0.05}
_VISIBILITY_WEIGHTS = {"members": 0.90, "weavers": 0.10}

_NATION_NAMES = {
    "england": "England",
    "scotland": "Scotland",
    "wales": "Wales",
    "northern_ireland": "Northern Ireland",
}

# Real regions/areas, used only as a member's location.
REGIONS = {
    "england": (
        "Greater Manchester", "West Yorkshire", "South Yorkshire", "Merseyside",
        "Tyne and Wear", "West Midlands", "Birmingham and Solihull", "Nottinghamshire",
        "Leicestershire", "Derbyshire", "Lincolnshire", "Norfolk", "Suffolk", "Essex",
        "Kent", "Sussex", "Surrey", "Hampshire", "Dorset", "Devon", "Cornwall",
        "Somerset", "Bristol", "Gloucestershire", "Oxfordshire", "Cambridgeshire",
        "Cumbria", "Lancashire", "Northumberland", "Humber", "Shropshire",
        "North London", "South East London", "East London", "North West London",
    ),
    "scotland": (
        "Highlands", "Grampian", "Tayside", "Fife", "Lothian", "Glasgow",
        "Lanarkshire", "Ayrshire and Arran", "Dumfries and Galloway", "Scottish Borders",
        "Forth Valley", "Argyll and Bute", "Orkney", "Shetland", "Western Isles",
    ),
    "wales": (
        "Cardiff and Vale", "Swansea Bay", "Gwent", "Cwm Taf", "Powys",
        "North Wales", "West Wales", "Ceredigion", "Pembrokeshire", "Gwynedd",
    ),
    "northern_ireland": (
        "Belfast", "Derry and Strabane", "Fermanagh and Omagh", "Mid Ulster",
        "Armagh, Banbridge and Craigavon", "Newry, Mourne and Down",
        "Causeway Coast and Glens", "Lisburn and Castlereagh", "Ards and North Down",
        "Antrim and Newtownabbey",
    ),
}

# ---------------------------------------------------------------------------
# Invented people
# ---------------------------------------------------------------------------
# (first name, usual pronoun family): "f" she, "m" he, "n" they / any.
_GENERAL_FIRST = (
    ("Aisha", "f"), ("Amara", "f"), ("Ayesha", "f"), ("Chloe", "f"), ("Deborah", "f"),
    ("Fatima", "f"), ("Gemma", "f"), ("Harriet", "f"), ("Imogen", "f"), ("Jasmine", "f"),
    ("Leah", "f"), ("Megan", "f"), ("Nadia", "f"), ("Olivia", "f"), ("Priya", "f"),
    ("Sadia", "f"), ("Sunita", "f"), ("Tanya", "f"), ("Yasmin", "f"), ("Zainab", "f"),
    ("Agnieszka", "f"), ("Abena", "f"), ("Adaeze", "f"), ("Patricia", "f"), ("Pauline", "f"),
    ("Lindsay", "f"), ("Heather", "f"), ("Beverley", "f"), ("Alison", "f"), ("Nicola", "f"),
    ("Lesley", "f"), ("Ruth", "f"), ("Esther", "f"), ("Marcia", "f"), ("Denise", "f"),
    ("Wendy", "f"), ("Lucy", "f"), ("Holly", "f"), ("Ellie", "f"), ("Gwen", "f"),
    ("Aaron", "m"), ("Andrew", "m"), ("Chidi", "m"), ("Connor", "m"), ("Darren", "m"),
    ("Dominic", "m"), ("Graham", "m"), ("Imran", "m"), ("Jamal", "m"), ("Keith", "m"),
    ("Kwame", "m"), ("Lewis", "m"), ("Liam", "m"), ("Mohammed", "m"), ("Nathan", "m"),
    ("Neil", "m"), ("Oliver", "m"), ("Patrick", "m"), ("Raj", "m"), ("Rory", "m"),
    ("Tariq", "m"), ("Tomasz", "m"), ("Trevor", "m"), ("Vikram", "m"), ("Wasim", "m"),
    ("Winston", "m"), ("Yusuf", "m"), ("Zac", "m"), ("Barry", "m"), ("Derek", "m"),
    ("Alex", "n"), ("Sam", "n"), ("Jordan", "n"), ("Robin", "n"), ("Rowan", "n"),
    ("Jamie", "n"), ("Charlie", "n"), ("Ash", "n"), ("Kit", "n"), ("Frankie", "n"),
    ("Jesse", "n"), ("Riley", "n"), ("Sasha", "n"), ("Ali", "n"),
)
_NATION_FIRST = {
    "england": (),
    "scotland": (
        ("Eilidh", "f"), ("Isla", "f"), ("Kirsty", "f"), ("Morag", "f"), ("Morven", "f"),
        ("Shona", "f"), ("Catriona", "f"), ("Fiona", "f"), ("Moira", "f"), ("Iona", "f"),
        ("Alasdair", "m"), ("Callum", "m"), ("Euan", "m"), ("Fraser", "m"), ("Hamish", "m"),
        ("Malcolm", "m"), ("Ruairi", "m"), ("Stuart", "m"), ("Lachlan", "m"), ("Kenneth", "m"),
    ),
    "wales": (
        ("Bethan", "f"), ("Bronwen", "f"), ("Carys", "f"), ("Eleri", "f"), ("Ffion", "f"),
        ("Lowri", "f"), ("Rhiannon", "f"), ("Nia", "f"), ("Cerys", "f"), ("Sioned", "f"),
        ("Aled", "m"), ("Dafydd", "m"), ("Gethin", "m"), ("Huw", "m"), ("Iwan", "m"),
        ("Owain", "m"), ("Rhys", "m"), ("Gareth", "m"), ("Iestyn", "m"), ("Emyr", "m"),
    ),
    "northern_ireland": (
        ("Aoife", "f"), ("Ciara", "f"), ("Mairead", "f"), ("Niamh", "f"), ("Orla", "f"),
        ("Roisin", "f"), ("Saoirse", "f"), ("Siobhan", "f"), ("Una", "f"), ("Bronagh", "f"),
        ("Ciaran", "m"), ("Colm", "m"), ("Declan", "m"), ("Eamon", "m"), ("Niall", "m"),
        ("Oisin", "m"), ("Brendan", "m"), ("Padraig", "m"), ("Conall", "m"), ("Fergal", "m"),
    ),
}
_GENERAL_SURNAMES = (
    "Ahmed", "Akhtar", "Anderson", "Armstrong", "Bakshi", "Begum", "Bhatt", "Boateng",
    "Chowdhury", "Clarke", "Collins", "Dalton", "Das", "Edwards", "Ellis", "Farrell",
    "Fitzgerald", "Fletcher", "Gill", "Hassan", "Hussain", "Iqbal", "Johal", "Kaur",
    "Kennedy", "Khan", "Kowalski", "Mahmood", "Mensah", "Nowak", "Nwosu", "O'Brien",
    "Okafor", "Osei", "Patel", "Rahman", "Richards", "Sandhu", "Shah", "Singh",
    "Taylor", "Turner", "Watson", "Wilson", "Yates", "Young", "Hartley", "Lambert",
    "Marsh", "Pearson", "Shaw", "Whitfield", "Ashworth", "Bennett", "Chapman", "Holt",
)
_NATION_SURNAMES = {
    "england": (),
    "scotland": (
        "MacDonald", "MacKenzie", "MacLeod", "Robertson", "Sinclair", "Stewart",
        "Sutherland", "Baird", "Barclay", "Cunningham", "Morrison", "Reid", "Ross",
        "Munro", "Buchanan", "Ferguson",
    ),
    "wales": (
        "Davies", "Evans", "Griffiths", "Hughes", "Jenkins", "Lloyd", "Owen", "Pritchard",
        "Thomas", "Vaughan", "Williams", "Rees", "Powell", "Parry", "Bowen", "Morgan",
    ),
    "northern_ireland": (
        "Byrne", "Doherty", "Donnelly", "Duffy", "Gallagher", "McAllister", "McCann",
        "McKenna", "O'Neill", "Quinn", "Walsh", "McGowan", "Hegarty", "Boyle", "Devlin",
        "Kearney",
    ),
}
_PRONOUNS = {
    "f": (("she/her", 8), ("she/they", 2)),
    "m": (("he/him", 8), ("he/they", 2)),
    "n": (("they/them", 7), ("she/her", 1), ("he/him", 1), ("any pronouns", 1)),
}

# ---------------------------------------------------------------------------
# Invented organisations (fictional place names, real-sounding patterns)
# ---------------------------------------------------------------------------
_PLACES = {
    "england": (
        "Northfield", "Ashcombe", "Brackenmoor", "Kestrelford", "Millbrook", "Harrowdene",
        "Oakhollow", "Fenmarsh", "Thornleigh", "Larkhaven", "Elderbridge", "Swanmere",
        "Westerby", "Copperdale", "Hollinwick", "Ravensmoor",
    ),
    "scotland": (
        "Glen Valley", "Strathmorven", "Lochandale", "Inverbrae", "Thistlebank",
        "Ardnacraig", "Balmorrow", "Carnwell", "Dunmore Firth", "Kinloch Ardle",
    ),
    "wales": (
        "Glan Tawel", "Bryn Derw", "Cwm Celyn", "Afon Teg", "Llyn Arian", "Pentre Glas",
        "Nant Eithin", "Bro Heulog",
    ),
    "northern_ireland": (
        "Lough Ardmore", "Glenarden", "Ballymoragh", "Drumcarra", "Carrickbawn",
        "Knockmoyle", "Rathmullagh",
    ),
}
_ORG_PATTERNS = {
    ("nhs", "england"): (
        "{p} NHS Foundation Trust", "{p} Integrated Care Board", "{p} Primary Care Network",
        "{p} Community Health Services", "{p} Medical Practice", "{p} Mental Health Trust",
    ),
    ("nhs", "scotland"): (
        "NHS {p}", "{p} Health Board", "{p} Community Hospital", "{p} Medical Practice",
    ),
    ("nhs", "wales"): (
        "{p} University Health Board", "{p} Health Board", "{p} Medical Centre",
        "{p} Primary Care Cluster",
    ),
    ("nhs", "northern_ireland"): (
        "{p} Health and Social Care Trust", "{p} Health Centre", "{p} GP Federation",
    ),
    "social_care": (
        "{p} Home Care Co-operative", "{p} Supported Living", "{p} Care Home",
        "{p} Shared Lives Scheme", "{p} Care and Support", "{p} Day Opportunities",
    ),
    "third_sector": (
        "{p} Community Trust", "{p} Carers' Centre", "{p} Befriending Service",
        "{p} Wellbeing Collective", "Friends of {p} Library", "{p} Voluntary Action",
        "{p} Community Kitchen", "{p} Men's Shed", "{p} Youth Project", "{p} Hospice",
        "{p} Digital Buddies", "{p} Recovery Café",
    ),
    ("local_authority", "england"): (
        "{p} Borough Council", "{p} County Council", "{p} City Council",
        "{p} Council Public Health Team",
    ),
    ("local_authority", "scotland"): (
        "{p} Council", "{p} Health and Social Care Partnership",
    ),
    ("local_authority", "wales"): (
        "{p} County Borough Council", "Cyngor {p}", "{p} County Council",
    ),
    ("local_authority", "northern_ireland"): (
        "{p} District Council", "{p} Borough Council",
    ),
    "academia": (
        "University of {p}", "{p} University", "{p} College",
        "{p} Institute for Health and Care Research", "{p} School of Nursing and Midwifery",
    ),
    "lived_experience": (
        "Independent", "{p} Patient Panel", "{p} Carers' Voice",
        "{p} Experts by Experience Group", "{p} Peer Support Group", "{p} Lived Experience Forum",
    ),
}

_JOBS = {
    "nhs": (
        "Quality improvement lead", "Community nurse", "Physiotherapist", "Paramedic",
        "GP", "Occupational therapist", "Practice manager", "Health visitor",
        "Pharmacist", "Improvement adviser", "Clinical psychologist",
        "Patient experience manager", "Speech and language therapist", "Ward sister",
        "Organisational development practitioner",
    ),
    "social_care": (
        "Registered manager", "Care coordinator", "Social worker", "Personal assistant",
        "Home care team leader", "Activities coordinator", "Shared Lives carer",
        "Deputy manager", "Occupational therapist in social care",
    ),
    "third_sector": (
        "Development officer", "Befriending coordinator", "Chief officer",
        "Volunteer coordinator", "Community link worker", "Carers' support worker",
        "Project lead", "Digital inclusion officer", "Community connector",
    ),
    "local_authority": (
        "Commissioning manager", "Public health practitioner", "Community development worker",
        "Policy officer", "Locality coordinator", "Strategic partnership lead",
        "Housing support officer", "Adult social care principal",
    ),
    "academia": (
        "Lecturer in nursing", "Researcher in social network analysis",
        "PhD student studying communities of practice", "Professor of health services research",
        "Knowledge exchange fellow", "Research associate in improvement science",
        "Senior lecturer in social work",
    ),
}
_LIVED_EXPERIENCE_INTROS = (
    "I'm an unpaid carer for my dad",
    "I'm a peer supporter with lived experience of mental ill health",
    "I sit on two patient panels as an expert by experience",
    "I'm a retired teacher who volunteers with a befriending service",
    "I live with a long-term condition and help shape local services",
    "I'm a former young carer, now a lived-experience adviser",
    "I'm a parent carer and community volunteer",
    "I've used mental health services and now co-facilitate recovery groups",
)
_PROJECTS = (
    "mapping our partners in Kumu",
    "our first open-space café",
    "a peer assist pilot",
    "a book club for improvement alumni",
    "a digital inclusion project for carers",
    "a community of practice for link workers",
    "an evaluation of our locality network",
    "a co-produced carers' strategy",
    "a warm spaces network",
    "a Liberating Structures user group",
)
_BIO_EXTRAS = (
    "Always up for a virtual cuppa.",
    "Outside work: hill walking and too many podcasts.",
    "Still learning, and happy to learn out loud.",
    "I believe none of us can do this alone.",
    "Slow to reply on Fridays, quick on Mondays.",
    "Cyclist, gardener, occasional baker of scones.",
    "New to network weaving and curious about all of it.",
    "I like connecting people who should already know each other.",
)
_NATION_BIO_EXTRAS = {
    "wales": ("Happy to chat in Welsh or English.", "Dysgwr Cymraeg — Welsh learner."),
    "scotland": ("Gaelic learner, badly.",),
    "northern_ireland": ("Keen to link up with folk across the border and the water.",),
    "england": (),
}

# ---------------------------------------------------------------------------
# Offers and asks bank
# ---------------------------------------------------------------------------
# Placeholders filled per member: {region} {nation} {years} {n} {group}
# {platform} {lived_topic}.  Each theme carries its tag labels (the first one
# is the theme's headline interest).
THEMES: tuple[dict, ...] = (
    {
        "key": "network_mapping",
        "weight": 3.0,
        "tags": ("Network mapping", "Kumu", "Social network analysis"),
        "offers": (
            ("Kumu mapping clinics",
             "I'll help you map your network in an afternoon — bring a spreadsheet of who knows whom and we'll get a first Kumu map up together."),
            ("Hand-drawn network maps for beginners",
             "No software needed: a 45-minute session on sketching your network on a flipchart, then spotting the gaps and the people quietly holding it all together."),
            ("Help reading a network map you already have",
             "Got a map and not sure what it's telling you? I'll walk through hubs, bridges and isolated clusters with you and suggest some triangles worth closing."),
        ),
        "asks": (
            ("How do we see who knows whom across our partner organisations?",
             "There are {n} organisations in our {group} in {region} and no shared picture of the relationships. Where do we even start with mapping?"),
            ("Getting people to fill in a network mapping survey",
             "Our first network survey got a handful of replies. How have others made it feel worthwhile rather than another form to fill in?"),
            ("Keeping a network map up to date",
             "We made a lovely Kumu map last year and it's already out of date. Does anyone have a light-touch way of refreshing it?"),
        ),
    },
    {
        "key": "evaluating_networks",
        "weight": 2.5,
        "tags": ("Evaluating networks", "Network maturity", "Measuring value"),
        "offers": (
            ("Network maturity matrix walk-through",
             "I've used a network maturity matrix with three networks in {nation} and can share what worked, what didn't and the version we ended up with."),
            ("Contribution analysis for informal networks",
             "I can share a simple contribution-analysis approach for showing how a network contributed to change, without pretending it caused it."),
            ("Critical friend for your evaluation plan",
             "Happy to read a draft evaluation plan for your {group} and ask the awkward questions before your funder does."),
        ),
        "asks": (
            ("Our evaluation of the network only counts meetings; how do we show value?",
             "Funders want numbers, but the real value is in relationships and what people do differently afterwards. How have others captured that?"),
            ("What does 'good' look like for a network after two years?",
             "Our {group} is two years old. I'd love some markers of a healthy network that aren't just attendance figures."),
            ("Showing that network time is real work",
             "Colleagues still see the time I spend weaving as 'not really working'. What evidence or language has helped others make the case?"),
        ),
    },
    {
        "key": "psychological_safety",
        "weight": 2.0,
        "tags": ("Psychological safety", "Speaking up", "Safe spaces"),
        "offers": (
            ("Psychological safety check-in for your team",
             "I've a set of gentle openers and a short reflective exercise that help a group talk honestly about how safe it feels to speak up."),
            ("Reading list on speaking up and voice",
             "I keep an annotated reading list on psychological safety, speaking up and power, and I'm happy to talk it through over a cuppa."),
            ("Co-facilitating difficult conversations",
             "Trained in restorative approaches; I can co-facilitate when a network hits conflict or someone has been hurt."),
        ),
        "asks": (
            ("Making a diverse network feel safe for everyone",
             "The more varied our membership gets, the subtler the risks of speaking up. How do others notice that and respond?"),
            ("People go quiet when senior leaders join",
             "Our {group} is lively until someone senior joins the call. Ideas for keeping it a safe space without shutting anyone out?"),
            ("How do I know if our space actually feels safe?",
             "I'd like a simple way of asking members whether they feel able to be honest, without it becoming yet another survey."),
        ),
    },
    {
        "key": "liberating_structures",
        "weight": 2.5,
        "tags": ("Liberating Structures", "Troika Consulting", "Wise Crowds", "1-2-4-All"),
        "offers": (
            ("Co-hosting Troika Consulting and Wise Crowds online",
             "I've run Troika Consulting and Wise Crowds online for {years} years and can co-host your first few sessions."),
            ("1-2-4-All for big meetings",
             "I can show you how to turn a 60-person update meeting into a proper conversation with 1-2-4-All and ten minutes of preparation."),
            ("Liberating Structures taster",
             "A 90-minute taster of five structures — Impromptu Networking, 1-2-4-All, TRIZ, 15% Solutions and Troika — for any team in {region}."),
        ),
        "asks": (
            ("Troika Consulting with people who don't know each other",
             "We tried Troika with strangers and it felt awkward. Has anyone adapted it for a brand-new group?"),
            ("Running Liberating Structures on {platform}",
             "Our organisation only allows {platform} and breakout rooms are clunky. Tips for running Wise Crowds there?"),
            ("Somewhere to practise Liberating Structures",
             "Is there a user group in {region}, or online, where I can practise before trying structures with my own team?"),
        ),
    },
    {
        "key": "peer_assist",
        "weight": 2.0,
        "tags": ("Peer assist", "Action learning", "Peer support"),
        "offers": (
            ("Peer assist host",
             "I can host a one-hour peer assist: one person brings a challenge, the group asks clarifying questions, then offers ideas while they just listen."),
            ("Action learning set for network weavers",
             "I'm starting a six-month action learning set and have two places left for people weaving networks across organisations."),
            ("Deep listening practice partner",
             "Happy to pair up monthly to practise deep listening — twenty minutes each way, no agenda, no fixing."),
        ),
        "asks": (
            ("Fresh eyes on a stuck partnership",
             "Our partnership board has circled the same issue for a year. Would a peer assist group be willing to hear it and ask the questions we can't?"),
            ("Making peer assists a regular thing",
             "We ran one peer assist and people loved it. How do we make it regular without it becoming a chore for whoever organises it?"),
            ("Peers for a new network lead",
             "I've just taken on coordinating a {group} and would value a couple of peers a bit further along to check in with."),
        ),
    },
    {
        "key": "coproduction",
        "weight": 2.0,
        "tags": ("Co-production", "Lived experience", "Co-design"),
        "offers": (
            ("Co-production from the other side of the table",
             "As someone with lived experience of {lived_topic}, I can help you design involvement that doesn't feel tokenistic."),
            ("Paying people fairly for involvement",
             "I wrote a payment and expenses policy for lived-experience advisers and can share it, with notes on the pitfalls we hit."),
            ("Co-design workshop plans",
             "A set of co-design workshop plans we tested with carers, young people and staff in {region}, free to adapt."),
        ),
        "asks": (
            ("Involving people with lived experience at every level",
             "We invite people to a reference group but the decisions get made elsewhere. How have others genuinely shared power?"),
            ("Co-producing when the deadline is already set",
             "Commissioners want a co-produced service specification in eight weeks. Is that possible, and how do we stay honest about what it is?"),
            ("What's missing from co-production in our network?",
             "We say we co-produce, but it's always the same few voices. I'd love to hear how others widened the circle."),
        ),
    },
    {
        "key": "digital_inclusion",
        "weight": 1.8,
        "tags": ("Digital inclusion", "Online access", "Tech support"),
        "offers": (
            ("Digital buddies for getting online",
             "Our volunteers give one-to-one phone support to get people onto Zoom or Teams for the first time — happy to share the script and training."),
            ("How to run a device lending scheme",
             "We've run a tablet lending library for {years} years; I can share the paperwork, the data SIM deals and the mistakes we made."),
            ("Plain-English joining instructions",
             "I'll rewrite your joining instructions so someone who has never used a video call can follow them without phoning a grandchild."),
        ),
        "asks": (
            ("Digital exclusion: half our carers' group can't get onto Zoom",
             "We moved online and lost the people we most need to hear from. What's worked for others?"),
            ("Keeping online and offline members in one network",
             "Some of our members will never be online. How do we stay one network rather than drifting into two?"),
            ("Zoom people and Teams people",
             "Some partners can only use Teams, others only Zoom. How have others handled it without leaving anyone out?"),
        ),
    },
    {
        "key": "open_space",
        "weight": 1.5,
        "tags": ("Open space", "Open-space café", "Unconference"),
        "offers": (
            ("Hosting an open-space café",
             "I've hosted open-space cafés online and in community halls; I can help you craft the invitation, run the marketplace and harvest what comes up."),
            ("Unconference in a box",
             "Templates, timings and a checklist for a one-day unconference for up to 80 people, from someone who has made every mistake once."),
            ("Graphic harvesting",
             "I can draw a visual record of your open-space session, online or in person, so people leave with something to share."),
        ),
        "asks": (
            ("Will people come to an event with no agenda?",
             "My director is nervous about an open-space event because 'there's no agenda'. How do I make the case?"),
            ("Following up after open space",
             "Lots of great conversations, then nothing happens. How do others harvest and follow up so the energy isn't lost?"),
            ("Venue for a small open-space café in {region}",
             "Looking for an accessible, free or cheap community space for about 30 people. Any leads?"),
        ),
    },
    {
        "key": "book_clubs",
        "weight": 1.2,
        "tags": ("Book clubs", "Learning together", "Reading"),
        "offers": (
            ("Convening a network book club",
             "I've convened a bi-monthly book club for {years} years and can share our rhythm, how we choose books and how we keep it open to newcomers."),
            ("Making book clubs accessible",
             "We make sure people who don't read much, or read in a second language, can still join in — audio versions, short extracts and no homework guilt."),
            ("Reading list on networks and complexity",
             "A curated list of twenty accessible reads on networks, complexity and relational leadership, each with a one-line summary."),
        ),
        "asks": (
            ("Book suggestions for a mixed group",
             "Our book club has nurses, carers and a councillor. What have other groups read that sparked good conversations?"),
            ("Keeping a book club going after the first few months",
             "Numbers dropped from twelve to four. Did anyone else hit this, and what turned it around?"),
            ("A journal club that isn't just for academics",
             "I'd like to start a journal club for frontline staff and volunteers in {region}. How do you pick papers that don't put people off?"),
        ),
    },
    {
        "key": "social_prescribing",
        "weight": 1.5,
        "tags": ("Social prescribing", "Link workers", "Community assets"),
        "offers": (
            ("A link worker's view of local community assets",
             "I'm a link worker in {region} and can connect you with groups that don't appear in any directory."),
            ("What-matters-to-you outcomes tool",
             "We built a simple outcomes conversation tool for social prescribing; happy to share it and help you adapt it."),
            ("Green social prescribing contacts",
             "I know walking groups, community gardens and conservation volunteers across {region} who welcome referrals."),
        ),
        "asks": (
            ("Link workers are drowning in referrals",
             "Our link workers have waiting lists and community groups are running on goodwill. How are others sharing the load?"),
            ("Telling GPs what happens after a referral",
             "Practices refer and never hear back. Has anyone found a feedback loop that busy clinicians actually read?"),
            ("An asset map of {region} that stays current",
             "Every directory we find is out of date within months. Has anyone built one the community keeps up to date itself?"),
        ),
    },
    {
        "key": "loneliness",
        "weight": 1.5,
        "tags": ("Loneliness and isolation", "Befriending", "Community connection"),
        "offers": (
            ("Telephone befriending model",
             "We run a telephone befriending service with around 40 volunteers; I can share our matching process and safeguarding approach."),
            ("Intergenerational projects",
             "I've set up school-and-care-home pen pal and visiting schemes and can help you start one."),
            ("Warm spaces network know-how",
             "I coordinated a warm spaces network in {region} last winter — happy to share what kept people coming back."),
        ),
        "asks": (
            ("Reaching isolated older men",
             "Our groups mostly attract women in their seventies; older men who live alone aren't coming. What's worked elsewhere?"),
            ("Can networks reduce isolation among their own members?",
             "Several people in our {group} have told me they feel isolated in their roles. How do we look after each other, not just the people we serve?"),
            ("Loneliness among unpaid carers",
             "Carers tell us they're lonely even when surrounded by services. Has anyone cracked peer connection for carers who can't get out?"),
        ),
    },
    {
        "key": "compassionate_leadership",
        "weight": 1.5,
        "tags": ("Compassionate leadership", "Kindness", "Team wellbeing"),
        "offers": (
            ("Reflective space on compassionate leadership",
             "I facilitate monthly reflective sessions for managers on compassionate leadership: attending, understanding, empathising and helping."),
            ("Coaching for new team leaders",
             "Qualified coach; I offer two free coaching conversations a month to people stepping into leadership in health or care."),
            ("Setting up reflective rounds for staff",
             "We've run reflective rounds for staff in a community hospital for {years} years and I can help you get started."),
        ),
        "asks": (
            ("Staying compassionate under target pressure",
             "I'm a middle manager caught between targets and an exhausted team. How do others keep compassion at the centre?"),
            ("Leaders who like the ideas but don't change",
             "Senior colleagues nod along to compassionate leadership but behaviour doesn't shift. Has anything made a real difference?"),
            ("Compassion towards ourselves",
             "We talk a lot about compassion for staff and patients and very little about ourselves. How do you build that into a team's routine?"),
        ),
    },
    {
        "key": "quality_improvement",
        "weight": 1.8,
        "tags": ("Quality improvement", "QI", "Measurement for improvement"),
        "offers": (
            ("Run charts for beginners",
             "I'll sit down with your data and show you how to build a run chart and read it, in plain language."),
            ("QI coaching for frontline teams",
             "Improvement adviser with {years} years' experience; I can coach a team through their first PDSA cycles."),
            ("From QI course to QI community",
             "I've been weaving our improvement alumni into a network and can share how we moved from a course to a community."),
        ),
        "asks": (
            ("QI feels too formal for our community group",
             "We want to improve things but the QI language puts our volunteers off. How do others translate it?"),
            ("Spreading an improvement beyond one team",
             "A change worked brilliantly on one ward and stalled everywhere else. Can a network approach help spread it?"),
            ("Measuring the relational side of a QI project",
             "Our measures capture waiting times but not the relationships that made the change happen. Ideas?"),
        ),
    },
    {
        "key": "health_inequalities",
        "weight": 1.5,
        "tags": ("Health inequalities", "Equity", "Inclusion health"),
        "offers": (
            ("Population health data for {region}",
             "I'm a public health analyst and can help you pull together local deprivation and outcome data for a bid or a plan."),
            ("Respectful engagement with inclusion health groups",
             "I've worked alongside people experiencing homelessness and Gypsy, Roma and Traveller communities and can advise on engagement that doesn't extract."),
            ("An equity lens for your project",
             "I'll run a short equity conversation with your team to spot who might be left out before you start."),
        ),
        "asks": (
            ("Our network is all the usual suspects",
             "Same people, same ideas. How do we reach communities most affected by health inequalities without just asking more of them?"),
            ("Making health inequalities everyone's business",
             "Inequalities sit with the public health team in {region}. How have others got the wider system to own them?"),
            ("Unconscious bias in how we recruit volunteers",
             "Our volunteer recruitment keeps producing people who look like us. Where should we start?"),
        ),
    },
    {
        "key": "community_development",
        "weight": 1.5,
        "tags": ("Community development", "Asset-based approaches", "Community organising"),
        "offers": (
            ("Asset-mapping walk",
             "I can take your team on an asset-mapping walk of a neighbourhood, starting from what's strong rather than what's wrong."),
            ("Relational one-to-ones",
             "I'll teach the community organising one-to-one: the most useful hour you'll spend building a network."),
            ("Designing a community small grants panel",
             "We designed a small grants panel run by residents; I can share the process and the decision-making rules."),
        ),
        "asks": (
            ("Working asset-based in a system that isn't ready",
             "Our team takes an asset-based approach but reporting only asks about deficits and targets. How do others push back?"),
            ("Stepping back from a group we started",
             "We want a group we set up to become community-led. How do we step back well without it folding?"),
            ("Building trust where people have been let down before",
             "Residents in one estate have seen projects come and go. How do we show up differently this time?"),
        ),
    },
    {
        "key": "communities_of_practice",
        "weight": 1.5,
        "tags": ("Communities of practice", "Systems convening", "Knowledge sharing"),
        "offers": (
            ("Designing a community of practice",
             "I've helped launch four communities of practice and can share our design canvas and first-year rhythm."),
            ("Thinking partner on systems convening",
             "If you find yourself convening across boundaries without a job title for it, I'm happy to think it through with you."),
            ("Knowledge-sharing spaces people actually use",
             "I've tried most platforms; I'll help you pick the simplest thing that your members will actually open."),
        ),
        "asks": (
            ("Is a community of practice a network, or something different?",
             "We're setting one up and keep tripping over the words. How do others explain the difference?"),
            ("Getting employers to give staff time for a community of practice",
             "People want to join but can't get the time released. What arguments worked with managers?"),
            ("Our community of practice has gone quiet",
             "Launch was buzzing; six months on it's the same three people. How do you revive one?"),
        ),
    },
    {
        "key": "power_hierarchy",
        "weight": 1.3,
        "tags": ("Power and hierarchy", "Distributed leadership", "New power"),
        "offers": (
            ("Power mapping exercise",
             "A 40-minute exercise to surface who really makes decisions in your system, and where the network has influence."),
            ("Stories of distributed leadership",
             "I collect stories of distributed leadership in health and care and can share a few that might suit your situation."),
            ("Facilitating with power differences in the room",
             "I've facilitated mixed groups of chief executives, carers and frontline staff and can share the small things that level the room."),
        ),
        "asks": (
            ("Old power creeping back",
             "Since the pandemic, decisions have drifted back to the centre. How are others keeping space for distributed leadership?"),
            ("Sharing the convenor role",
             "I've convened our {group} for three years and it's become 'my' network. How do we rotate leadership without losing momentum?"),
            ("Who decides in a network with no leader?",
             "We need to make a decision about funding and nobody feels entitled to. How do networks make decisions well?"),
        ),
    },
    {
        "key": "self_care",
        "weight": 1.2,
        "tags": ("Self-care", "Wellbeing", "Burnout"),
        "offers": (
            ("Grounding exercises to open sessions",
             "I lead short grounding exercises (two to five minutes) to start online sessions — happy to lead one at yours."),
            ("Walking meetings",
             "I'll share how our team swapped a third of its meetings for walking ones, and what it did for us."),
            ("Wellbeing check-ins for volunteers",
             "A simple monthly wellbeing check-in we use with volunteers that takes five minutes and isn't patronising."),
        ),
        "asks": (
            ("Network weavers burning out",
             "Lots of giving and not much coming back. How do others look after themselves when weaving sits on top of the day job?"),
            ("Resting without guilt",
             "I'm better at telling others to rest than doing it. Any practices that genuinely helped you?"),
            ("Keeping motivation alive when nothing seems to change",
             "There's lots of talk, nothing shifts and people drift away. How do you keep going?"),
        ),
    },
    {
        "key": "storytelling",
        "weight": 1.2,
        "tags": ("Storytelling", "Sharing stories", "Case studies"),
        "offers": (
            ("Interviewing people to tell their story",
             "I'll interview someone in your network and help turn it into a short story that others can learn from."),
            ("Case studies that people want to read",
             "I can help you rewrite a dry case study so it starts with a person and ends with what changed."),
            ("Digital storytelling workshop",
             "A half-day workshop where people make a two-minute audio or video story on their phone."),
        ),
        "asks": (
            ("Real examples of network weaving from the four nations",
             "I need real stories from across England, Scotland, Wales and Northern Ireland to show our board what network weaving looks like in practice."),
            ("Consent and ownership of lived-experience stories",
             "Who owns a story once it's in a report? I'd like to get this right before we publish anything."),
            ("Turning stories into action",
             "We collect lovely stories and then nothing changes. How do others connect stories to decisions?"),
        ),
    },
    {
        "key": "online_facilitation",
        "weight": 1.5,
        "tags": ("Online facilitation", "Hybrid meetings", "Virtual cuppa"),
        "offers": (
            ("Making hybrid meetings fair",
             "I'll share the room set-up and running order we use so people online aren't second-class participants."),
            ("Informal space online",
             "I host a 30-minute no-agenda virtual cuppa after our network calls — the bit that used to happen over coffee at the break."),
            ("Online whiteboards for beginners",
             "I'll show you the basics of Miro or Padlet in half an hour, with a template you can reuse."),
        ),
        "asks": (
            ("A busy chat drowning out the speaker",
             "The chat in our sessions is lively but distracting. How do others harness it without shutting it down?"),
            ("Breakout rooms people don't dread",
             "People groan when I mention breakouts on {platform}. How do you make them feel worthwhile?"),
            ("Building relationships when we've never met in person",
             "Our {group} formed online during lockdown and has never met face to face. Does it matter, and what helps?"),
        ),
    },
    {
        "key": "self_organising",
        "weight": 2.0,
        "tags": ("Network weaving", "Self-organising networks", "Sustaining networks"),
        "offers": (
            ("Closing triangles: introductions that stick",
             "I've a simple habit for making two or three warm introductions a week and checking whether they went anywhere — happy to share it."),
            ("Four roles reflection",
             "I'll run the four-roles reflection (connector, project coordinator, catalyst, guardian) with your network so you can see who does what and what's missing."),
            ("Helping action groups form",
             "I can help your network spot the energy and support small self-organised action groups to get going."),
        ),
        "asks": (
            ("Are self-sustaining networks realistic?",
             "Everyone wants our network to become self-sustaining, but it stalls whenever I step back. Is that even the right goal?"),
            ("Breakaway hubs fragmenting the network",
             "Local hubs are great, but they've stopped talking to each other. How do you keep the whole network connected?"),
            ("Too dependent on one convenor",
             "If I left tomorrow the network would fold. How do others build in resilience?"),
        ),
    },
    {
        "key": "integration",
        "weight": 1.3,
        "tags": ("Health and social care integration", "Cross-sector working", "Partnership working"),
        "offers": (
            ("Translating between council and NHS cultures",
             "I've worked on both sides and can help an integrated team decode each other's language, governance and unwritten rules."),
            ("Joint induction for integrated teams",
             "We built a joint induction for health and social care staff in {region}; I can share the programme and what people valued."),
            ("Agreeing shared outcomes across partners",
             "I've facilitated partners to agree a small set of shared outcomes; happy to share the process."),
        ),
        "asks": (
            ("Council and NHS cultures clashing in our integrated team",
             "Different rules, different language, lots of frustration. How have others built a shared culture?"),
            ("Finding the right person in the local authority",
             "I keep getting bounced between departments. Is there someone in {region} who knows how the council fits together?"),
            ("Information sharing between partners",
             "Governance is stopping us sharing even basic contact details between partners. How have others untangled it?"),
        ),
    },
    {
        "key": "carers",
        "weight": 1.3,
        "tags": ("Unpaid carers", "Carer support", "Young carers"),
        "offers": (
            ("A carer's voice on your steering group",
             "I've cared for a family member for {years} years and can bring a carer's perspective to your planning, online or in person."),
            ("Young carers' perspective",
             "I support a young carers' group and can help you check whether your plans work for people under 18 with caring roles."),
            ("Carer-friendly meetings",
             "Practical tips on times, lengths and formats that mean carers can actually attend your meetings."),
        ),
        "asks": (
            ("Including carers who can't leave the house",
             "Our carers' forum only hears from people who can get to a hall in {region}. How do we reach the rest?"),
            ("Young carers in our network",
             "We've no young carers involved at all. Who's done this well and safely?"),
            ("Respite that actually happens",
             "Carers are offered breaks on paper, but they rarely happen. Has anyone found a network approach that helps?"),
        ),
    },
    {
        "key": "rural",
        "weight": 1.0,
        "tags": ("Rural health", "Remote and rural", "Transport and access"),
        "offers": (
            ("Weaving across long distances",
             "I've built a network across a large rural area and can share what works when people are two hours' drive apart."),
            ("Community transport contacts",
             "I know the community transport schemes in {region} and can help you plan an event people can get to."),
            ("An island and remote community perspective",
             "Happy to be a sounding board on whether your plan works for remote and island communities."),
        ),
        "asks": (
            ("Connecting people across a huge rural patch",
             "Our members are spread across {region} and rarely meet. Ideas for helping them connect beyond the annual event?"),
            ("Transport and parking keeping people away",
             "In-person events exclude people without a car. How have others made them accessible?"),
            ("Patchy broadband in our villages",
             "Online isn't the answer when the signal drops every ten minutes. What else works?"),
        ),
    },
    {
        "key": "social_media",
        "weight": 1.0,
        "tags": ("Social media", "Communications", "Newsletters"),
        "offers": (
            ("Social media for small networks",
             "I'll help you set up a light-touch social media presence your network can run in 20 minutes a week."),
            ("A newsletter people actually read",
             "I edit a monthly network newsletter with a 60% open rate and will share the format and how we gather content."),
            ("Hosting online chats",
             "I've hosted online chats on social media for {years} years and can co-host one on your theme."),
        ),
        "asks": (
            ("Letting people know when events are happening",
             "Our events are good but half the network never hears about them. What channels work for you?"),
            ("Which platform should our network use?",
             "We're spread across email, WhatsApp and two social platforms. How do others choose?"),
            ("Social media for people who hate social media",
             "Some of our best members refuse to use it. How do we share news without leaving them out?"),
        ),
    },
    {
        "key": "funding",
        "weight": 1.0,
        "tags": ("Innovation funds", "Small grants", "Participatory budgeting"),
        "offers": (
            ("Participatory budgeting facilitation",
             "I've facilitated participatory budgeting events in {region} and can help you design yours."),
            ("Bid-writing buddy",
             "Happy to read your funding bid and help you describe network outcomes in a way funders understand."),
            ("Network-based funding models",
             "I've studied how some foundations fund networks rather than projects and can share examples and questions to ask."),
        ),
        "asks": (
            ("Who pays for network weaving?",
             "Everything we do is on goodwill and evenings. Has anyone found funding for the weaving itself?"),
            ("Funding a network that isn't a legal entity",
             "We can't hold money because we're not a charity. What arrangements have others used?"),
            ("Low-cost ways of celebrating success",
             "We've no budget but want to celebrate progress. Creative ideas, please!"),
        ),
    },
    {
        "key": "mental_health",
        "weight": 1.2,
        "tags": ("Mental health", "Recovery", "Peer support"),
        "offers": (
            ("Recovery college course design",
             "I've co-designed recovery college courses with people who use services and can share how we did it."),
            ("Peer support worker perspective",
             "As a peer support worker I can help you think through how peer roles fit in your network."),
            ("Mental health first aid refreshers",
             "I run informal refresher sessions for people who did mental health first aid training a while ago."),
        ),
        "asks": (
            ("Mental health support for community group leaders",
             "Volunteers running groups in {region} are carrying a lot. Where can they turn for support?"),
            ("Connecting primary care and community mental health",
             "GPs and community groups in our area don't know each other. How do we start?"),
            ("Peer support at scale without losing what makes it special",
             "Our peer support grew fast and now feels like a service. How do others keep it human?"),
        ),
    },
)

_YEARS = ("two", "three", "four", "five", "six", "eight")
_COUNTS = ("six", "eight", "eleven", "fifteen", "twenty")
_GROUPS = (
    "carers' network", "peer support network", "improvement network", "community of practice",
    "locality partnership", "volunteer network", "link workers' network", "patient panel",
    "staff network", "neighbourhood network",
)
_LIVED_TOPICS = (
    "caring for a parent with dementia", "long-term mental ill health",
    "living with a long-term condition", "being a young carer", "homelessness",
    "sight loss", "chronic pain",
)
_OFFER_SUFFIXES = (
    "", "", "", "", " Drop me a message.", " Evenings suit me best.",
    " Free, of course.", " Happy to do this more than once.", " Can do it jointly with a colleague.",
)
_ASK_PREFIXES = ("", "", "", "", "Genuine question: ", "Bit stuck: ", "Asking for our team: ")
_ASK_SUFFIXES = (
    "", "", "", " Any pointers welcome!", " Would love a 30-minute call with anyone who's cracked this.",
    " Even a reading recommendation would help.", " Happy to return the favour.",
)

_SECTOR_AFFINITY = {
    "nhs": {"quality_improvement": 3, "psychological_safety": 2, "compassionate_leadership": 2,
            "integration": 1.5, "network_mapping": 1.5},
    "social_care": {"carers": 3, "integration": 2.5, "digital_inclusion": 2, "compassionate_leadership": 1.5},
    "third_sector": {"loneliness": 3, "community_development": 2.5, "social_prescribing": 2.5,
                     "digital_inclusion": 2, "funding": 2},
    "local_authority": {"integration": 3, "community_development": 2.5, "health_inequalities": 2.5,
                        "social_prescribing": 1.5},
    "academia": {"evaluating_networks": 3, "communities_of_practice": 2.5, "network_mapping": 2,
                 "book_clubs": 2, "storytelling": 1.5},
    "lived_experience": {"coproduction": 4, "carers": 3, "mental_health": 3, "loneliness": 2,
                         "digital_inclusion": 1.5},
}
_NATION_AFFINITY = {"scotland": {"rural": 2.5}, "wales": {"rural": 2}, "northern_ireland": {"rural": 1.5}}

_ROLE_WEIGHTS = {"connector": 46, "project_coordinator": 20, "network_catalyst": 18, "network_guardian": 16}

_LINK_SUFFIXES = ("qi", "connects", "weaves", "network", "cares", "together")

_ALL_TAGS: tuple[str, ...] = tuple(dict.fromkeys(t for theme in THEMES for t in theme["tags"]))
_THEMES_BY_KEY = {theme["key"]: theme for theme in THEMES}


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def _quota(n: int, weights: dict[str, float]) -> list[str]:
    """Exactly ``n`` labels in proportion to ``weights`` (largest remainder)."""
    total = sum(weights.values())
    exact = {k: n * w / total for k, w in weights.items()}
    counts = {k: int(v) for k, v in exact.items()}
    order = sorted(weights, key=lambda k: (-(exact[k] - counts[k]), list(weights).index(k)))
    for k in order[: n - sum(counts.values())]:
        counts[k] += 1
    return [k for k in weights for _ in range(counts[k])]


def _weighted(rng: random.Random, pairs) -> str:
    items = [p[0] for p in pairs]
    weights = [p[1] for p in pairs]
    return rng.choices(items, weights=weights, k=1)[0]


def _tag_key(label: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[-_]", " ", label.strip().lower()))


def _vary_label(rng: random.Random, label: str) -> str:
    """Occasionally change a tag's case or hyphenation, as people type them."""
    roll = rng.random()
    if roll < 0.80:
        return label
    if roll < 0.88:
        return label.lower()
    if roll < 0.95:
        return re.sub(r"\s+", "-", label.lower())
    return " ".join(w[:1].upper() + w[1:] for w in label.split(" "))


def _slug(text: str, sep: str = "-") -> str:
    text = text.lower().replace("'", "").replace("é", "e")
    return re.sub(r"[^a-z0-9]+", sep, text).strip(sep)


def _fill(template: str, ctx: dict[str, str]) -> str:
    return template.format_map(ctx)


# Regions that read naturally with "the" in running text ("based in the Highlands").
_THE_REGIONS = frozenset({
    "Highlands", "West Midlands", "Scottish Borders", "Western Isles", "Humber",
})

# Tag labels that are proper nouns or acronyms and keep their capitals in prose.
_PROPER_TAGS = frozenset({
    "Kumu", "QI", "Liberating Structures", "Troika Consulting", "Wise Crowds", "1-2-4-All",
})


def _in_prose_region(region: str) -> str:
    return f"the {region}" if region in _THE_REGIONS else region


def _prose_label(label: str) -> str:
    return label if label in _PROPER_TAGS else label[:1].lower() + label[1:]


def _after_prefix(prefix: str, sentence: str) -> str:
    """Lower-case a sentence's first letter after a lead-in such as "Bit stuck: "."""
    if not prefix:
        return sentence
    first_word = sentence.split(" ", 1)[0]
    if first_word == "I" or first_word.startswith(("I'", "I’")) or sum(c.isupper() for c in first_word) > 1:
        return prefix + sentence
    return prefix + sentence[:1].lower() + sentence[1:]


def _iso_pause_date(rng: random.Random) -> str:
    return (date(2027, 1, 4) + timedelta(days=rng.randrange(0, 180))).isoformat()


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used_names: set[str] = set()
        self.used_emails: set[str] = {DEMO_MEMBER_EMAIL, DEMO_WEAVER_EMAIL, DEMO_ADMIN_EMAIL}
        self.used_handles: set[str] = set()
        self.orgs: dict[tuple[str, str], list[tuple[str, str, str]]] = {}

    # -- identity ---------------------------------------------------------
    def name(self, nation: str) -> tuple[str, str]:
        rng = self.rng
        for attempt in range(200):
            firsts = _NATION_FIRST[nation] if _NATION_FIRST[nation] and rng.random() < 0.45 else _GENERAL_FIRST
            first, family = rng.choice(firsts)
            surnames = (_NATION_SURNAMES[nation]
                        if _NATION_SURNAMES[nation] and rng.random() < 0.55 else _GENERAL_SURNAMES)
            surname = rng.choice(surnames)
            full = f"{first} {surname}"
            if attempt > 150:  # very large communities: allow a middle initial
                full = f"{first} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {surname}"
            if full not in self.used_names:
                self.used_names.add(full)
                return full, family
        raise RuntimeError("could not invent a unique name")  # pragma: no cover

    def email(self, full_name: str) -> str:
        parts = [_slug(p, "") for p in full_name.replace(".", "").split()]
        base = ".".join(p for p in parts if p)
        candidate, i = f"{base}@{EMAIL_DOMAIN}", 2
        while candidate in self.used_emails:
            candidate, i = f"{base}{i}@{EMAIL_DOMAIN}", i + 1
        self.used_emails.add(candidate)
        return candidate

    def organisation(self, sector: str, nation: str) -> tuple[str, str, str]:
        """(organisation, region, fictional place) — sometimes shared with earlier members."""
        rng = self.rng
        pool = self.orgs.setdefault((sector, nation), [])
        if pool and rng.random() < 0.35:
            return rng.choice(pool)
        patterns = _ORG_PATTERNS.get((sector, nation)) or _ORG_PATTERNS[sector]
        for _ in range(20):
            place = rng.choice(_PLACES[nation])
            org = rng.choice(patterns).format(p=place)
            if org == "Independent" or all(org != o for o, _, _ in pool):
                break
        entry = (org, rng.choice(REGIONS[nation]), place)
        pool.append(entry)
        return entry

    def handle(self, org: str, place: str, name: str) -> str:
        rng = self.rng
        if org == "Independent":
            first, *_, last = name.split()
            stem = _slug(first, "") + _slug(last, "")[:1]
        else:
            stem = _slug(place, "")
        for _ in range(50):
            h = stem + rng.choice(_LINK_SUFFIXES)
            if rng.random() < 0.3:
                h += str(rng.randrange(2, 99))
            if h not in self.used_handles:
                self.used_handles.add(h)
                return h
        return f"{stem}{len(self.used_handles)}"  # pragma: no cover


def _pick_themes(rng: random.Random, sector: str, nation: str, k: int) -> list[dict]:
    weights = []
    for theme in THEMES:
        w = theme["weight"] * _SECTOR_AFFINITY[sector].get(theme["key"], 1.0)
        w *= _NATION_AFFINITY.get(nation, {}).get(theme["key"], 1.0)
        weights.append(w)
    chosen: list[dict] = []
    while len(chosen) < k:
        theme = rng.choices(THEMES, weights=weights, k=1)[0]
        if theme not in chosen:
            chosen.append(theme)
    return chosen


def _interests(rng: random.Random, themes: list[dict]) -> tuple[list[str], list[str]]:
    """Return (labels as the member typed them, canonical labels)."""
    target = rng.choice((2, 3, 3, 4, 4, 5, 6))
    picked: list[str] = []
    canonical: list[str] = []
    keys: set[str] = set()

    def add(label: str) -> None:
        k = _tag_key(label)
        if k not in keys and len(picked) < 6:
            keys.add(k)
            canonical.append(label)
            picked.append(_vary_label(rng, label))

    for theme in themes:
        add(theme["tags"][0])
    for theme in themes:
        for label in rng.sample(theme["tags"][1:], k=len(theme["tags"]) - 1):
            if len(picked) >= target:
                break
            if rng.random() < 0.55:
                add(label)
    while len(picked) < max(2, target):
        add(rng.choice(_ALL_TAGS))
    return picked, canonical


def _item_tags(rng: random.Random, theme: dict, extra: dict | None) -> list[str]:
    k = rng.choice((1, 2, 2, 3))
    labels = [theme["tags"][0]] + rng.sample(theme["tags"][1:], k=min(k - 1, len(theme["tags"]) - 1))
    if extra is not None and rng.random() < 0.2:
        labels.append(extra["tags"][0])
    out, seen = [], set()
    for label in labels:
        if _tag_key(label) not in seen:
            seen.add(_tag_key(label))
            out.append(_vary_label(rng, label))
    return out


def _offer(rng: random.Random, theme: dict, template: tuple[str, str], ctx: dict, prefers: str,
           extra: dict | None) -> dict:
    title = _fill(template[0], ctx)
    roll = rng.random()
    if roll < 0.12 and prefers == "online":
        title += " (online)"
    elif roll < 0.12 and prefers == "in_person":
        title += f" ({ctx['region']} area)"
    description = _fill(template[1], ctx) + rng.choice(_OFFER_SUFFIXES)
    return {"title": title, "description": description, "tags": _item_tags(rng, theme, extra)}


def _ask(rng: random.Random, theme: dict, template: tuple[str, str], ctx: dict, extra: dict | None) -> dict:
    description = _after_prefix(rng.choice(_ASK_PREFIXES), _fill(template[1], ctx)) + rng.choice(_ASK_SUFFIXES)
    return {"title": _fill(template[0], ctx), "description": description,
            "tags": _item_tags(rng, theme, extra)}


def _bio(rng: random.Random, sector: str, nation: str, org: str, region: str,
         interests: list[str], n_themes: int) -> str:
    """1-3 sentences; ``interests`` are canonical labels, one headline per theme first."""
    region = _in_prose_region(region)
    if sector == "lived_experience":
        first = f"{rng.choice(_LIVED_EXPERIENCE_INTROS)}, and I live in {region}."
    else:
        job = rng.choice(_JOBS[sector])
        lowered = job if job[1:2].isupper() else job[0].lower() + job[1:]
        article = "an" if lowered[0] in "aeiou" else "a"
        first = rng.choice((
            f"{job} at {org}, based in {region}.",
            f"I'm {article} {lowered} working across {region}.",
            f"{job} in {region}; part of the network since {rng.randrange(2017, 2026)}.",
        ))
    a, b = _prose_label(interests[0]), _prose_label(interests[1])
    style = rng.random()
    if style < 0.15:
        items = "\n".join(f"- {i}" for i in interests[:3])
        return f"{first}\n\nHappy to talk about:\n\n{items}"
    options = [
        f"Interested in {a} and {b}.",
        f"Currently working on **{rng.choice(_PROJECTS)}**.",
        f"Mostly here for {a}, {b} and good conversation.",
        f"**Ask me about {a}.**",
    ]
    if n_themes > 1:  # a and b come from different themes
        options.append(f"Curious about where {a} meets {b}.")
    second = rng.choice(options)
    parts = [first, second]
    if rng.random() < 0.5:
        parts.append(rng.choice(_BIO_EXTRAS + _NATION_BIO_EXTRAS[nation]))
    return " ".join(parts)


def _links(rng: random.Random, builder: _Builder, name: str, org: str, place: str,
           themes: list[dict]) -> list[dict]:
    n = rng.choices((0, 1, 2), weights=(40, 40, 20), k=1)[0]
    org_slug = _slug(org) if org != "Independent" else _slug(name)
    options = [
        lambda: {"label": "Blog", "url": f"https://{_slug(name)}.{EMAIL_DOMAIN}/"},
        lambda: {"label": "Project page",
                 "url": f"https://{EMAIL_DOMAIN}/{org_slug}/projects/{_slug(themes[0]['key'])}"},
        lambda: {"label": "Slides from our last session",
                 "url": f"https://files.{EMAIL_DOMAIN}/{org_slug}/slides.pdf"},
    ]
    if any(t["key"] == "network_mapping" for t in themes):
        options.append(lambda: {"label": "Our network map",
                                "url": f"https://maps.{EMAIL_DOMAIN}/{org_slug}/network"})
    out: list[dict] = []
    if n and rng.random() < 0.55:
        h = builder.handle(org, place, name)
        out.append({"label": f"@{h}", "url": f"https://social.{EMAIL_DOMAIN}/@{h}"})
    for make in rng.sample(options, k=len(options)):
        if len(out) >= n:
            break
        out.append(make())
    return out


def _weaving_roles(rng: random.Random) -> list[str]:
    k = rng.choices((0, 1, 2), weights=(35, 45, 20), k=1)[0]
    roles: list[str] = []
    while len(roles) < k:
        r = rng.choices(ROLES, weights=[_ROLE_WEIGHTS[x] for x in ROLES], k=1)[0]
        if r not in roles:
            roles.append(r)
    return roles


def _member(rng: random.Random, builder: _Builder, nation: str, sector: str,
            matching: str, visibility: str) -> dict:
    name, family = builder.name(nation)
    email = builder.email(name)
    org, region, place = builder.organisation(sector, nation)
    pronouns = _weighted(rng, _PRONOUNS[family]) if rng.random() < 0.5 else None

    themes = _pick_themes(rng, sector, nation, rng.choice((1, 2, 2, 3)))
    interests, canonical_interests = _interests(rng, themes)
    roles = _weaving_roles(rng)
    base_hours = rng.choices(range(11), weights=(6, 10, 14, 14, 12, 10, 8, 5, 4, 2, 3), k=1)[0]
    hours = min(10, base_hours + 2 * len(roles)) if matching == "active" else min(base_hours, 3)
    prefers = _weighted(rng, (("online", 45), ("either", 35), ("in_person", 20)))

    ctx = {
        "region": _in_prose_region(region),
        "nation": _NATION_NAMES[nation],
        "years": rng.choice(_YEARS),
        "n": rng.choice(_COUNTS),
        "group": rng.choice(_GROUPS),
        "platform": rng.choice(("Teams", "Zoom")),
        "lived_topic": rng.choice(_LIVED_TOPICS),
    }
    n_offers = rng.choices((0, 1, 2, 3), weights=(20, 40, 28, 12), k=1)[0]
    n_asks = rng.choices((0, 1, 2), weights=(30, 50, 20), k=1)[0]
    if n_offers + n_asks == 0:
        if rng.random() < 0.5:
            n_offers = 1
        else:
            n_asks = 1

    def pool(kind: str) -> list[tuple[dict, tuple[str, str]]]:
        items = [(t, tpl) for t in themes for tpl in t[kind]]
        if len(items) < 4:  # widen with a neighbouring theme for variety
            other = rng.choice([t for t in THEMES if t not in themes])
            items += [(other, tpl) for tpl in other[kind]]
        return items

    extra = themes[1] if len(themes) > 1 else None
    offers = [_offer(rng, t, tpl, ctx, prefers, extra) for t, tpl in rng.sample(pool("offers"), k=n_offers)]
    # Asks are often about a theme the member is *not* strong in: that is what makes matches.
    ask_pool = pool("asks")
    if rng.random() < 0.4:
        other = rng.choice([t for t in THEMES if t not in themes])
        ask_pool = [(other, tpl) for tpl in other["asks"]] + ask_pool[:2]
    asks = [_ask(rng, t, tpl, ctx, extra) for t, tpl in rng.sample(ask_pool, k=n_asks)]

    return {
        "name": name,
        "email": email,
        "pronouns": pronouns,
        "organisation": org,
        "sector": sector,
        "nation": nation,
        "region": region,
        "bio": _bio(rng, sector, nation, org, region, canonical_interests, len(themes)),
        "interests": interests,
        "weaving_roles": roles,
        "hours_per_month": hours,
        "prefers": prefers,
        "links": _links(rng, builder, name, org, place, themes),
        "visibility": visibility,
        "matching": matching,
        "matching_paused_until": _iso_pause_date(rng) if matching == "paused" else None,
        "hub_role": "member",
        "offers": offers,
        "asks": asks,
    }


def _demo_accounts() -> list[dict]:
    """Three fixed, hand-written accounts that demos and docs can log in as."""
    member = {
        "name": "Priya Sutherland",
        "email": DEMO_MEMBER_EMAIL,
        "pronouns": "she/her",
        "organisation": "Glen Valley Health Board",
        "sector": "nhs",
        "nation": "scotland",
        "region": "Highlands",
        "bio": ("Improvement adviser at Glen Valley Health Board, based in the Highlands. "
                "Currently working on **mapping our partners in Kumu**. Always up for a virtual cuppa."),
        "interests": ["Network mapping", "Psychological safety", "liberating-structures", "Evaluating networks"],
        "weaving_roles": ["connector"],
        "hours_per_month": 4,
        "prefers": "online",
        "links": [{"label": "Our network map", "url": "https://maps.example.org/glen-valley-health-board/network"}],
        "visibility": "members",
        "matching": "active",
        "matching_paused_until": None,
        "hub_role": "member",
        "offers": [
            {"title": "Kumu mapping clinics",
             "description": ("I'll help you map your network in an afternoon — bring a spreadsheet of who "
                             "knows whom and we'll get a first Kumu map up together."),
             "tags": ["Network mapping", "Kumu"]},
            {"title": "Run charts for beginners",
             "description": "I'll sit down with your data and show you how to build a run chart and read it, in plain language.",
             "tags": ["Quality improvement", "Measurement for improvement"]},
        ],
        "asks": [
            {"title": "Our evaluation of the network only counts meetings; how do we show value?",
             "description": ("Funders want numbers, but the real value is in relationships and what people do "
                             "differently afterwards. How have others captured that?"),
             "tags": ["Evaluating networks", "Measuring value"]},
        ],
    }
    weaver = {
        "name": "Rowan Pritchard",
        "email": DEMO_WEAVER_EMAIL,
        "pronouns": "they/them",
        "organisation": "Northfield Community Trust",
        "sector": "third_sector",
        "nation": "england",
        "region": "Greater Manchester",
        "bio": ("Development officer at Northfield Community Trust, based in Greater Manchester. "
                "**Ask me about peer assist.** I like connecting people who should already know each other."),
        "interests": ["Network weaving", "Peer assist", "Liberating Structures", "Co-production", "Open space"],
        "weaving_roles": ["connector", "network_catalyst"],
        "hours_per_month": 8,
        "prefers": "either",
        "links": [{"label": "@northfieldweaves", "url": "https://social.example.org/@northfieldweaves"},
                  {"label": "Blog", "url": "https://rowan-pritchard.example.org/"}],
        "visibility": "members",
        "matching": "active",
        "matching_paused_until": None,
        "hub_role": "weaver",
        "offers": [
            {"title": "Co-hosting Troika Consulting and Wise Crowds online",
             "description": ("I've run Troika Consulting and Wise Crowds online for two years and can co-host "
                             "your first few sessions."),
             "tags": ["Liberating Structures", "Troika Consulting", "Wise Crowds"]},
            {"title": "Peer assist host",
             "description": ("I can host a one-hour peer assist: one person brings a challenge, the group asks "
                             "clarifying questions, then offers ideas while they just listen."),
             "tags": ["Peer assist"]},
            {"title": "Hosting an open-space café",
             "description": ("I've hosted open-space cafés online and in community halls; I can help you craft the "
                             "invitation, run the marketplace and harvest what comes up."),
             "tags": ["Open space", "open-space café"]},
        ],
        "asks": [
            {"title": "Too dependent on one convenor",
             "description": "If I left tomorrow the network would fold. How do others build in resilience?",
             "tags": ["Network weaving", "Sustaining networks"]},
        ],
    }
    admin = {
        "name": "Ffion Mensah",
        "email": DEMO_ADMIN_EMAIL,
        "pronouns": None,
        "organisation": "Glan Tawel County Borough Council",
        "sector": "local_authority",
        "nation": "wales",
        "region": "Swansea Bay",
        "bio": "Strategic partnership lead in Swansea Bay; I look after the hub. Happy to chat in Welsh or English.",
        "interests": ["Digital inclusion", "Health and social care integration", "Communications"],
        "weaving_roles": ["network_guardian"],
        "hours_per_month": 6,
        "prefers": "online",
        "links": [],
        "visibility": "members",
        "matching": "active",
        "matching_paused_until": None,
        "hub_role": "admin",
        "offers": [
            {"title": "Plain-English joining instructions",
             "description": ("I'll rewrite your joining instructions so someone who has never used a video call "
                             "can follow them."),
             "tags": ["Digital inclusion", "Online access"]},
        ],
        "asks": [
            {"title": "Letting people know when events are happening",
             "description": "Our events are good but half the network never hears about them. What channels work for you?",
             "tags": ["Communications", "Newsletters"]},
        ],
    }
    return [member, weaver, admin]


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------
def generate_community(size: int = 320, seed: int = 2020) -> list[dict]:
    """Deterministic for a given (size, seed). The first three entries are the demo member, weaver and admin (with those emails and role "member"/"weaver"/"admin" in key "hub_role").

    Every other member is invented.  Nations, sectors, matching status and
    visibility are allocated by exact quota (England largest) and then
    shuffled, so a community of a few dozen or more contains all four nations
    and all six sectors.  A handful of generated members (about 1.5%) are
    promoted to ``hub_role="weaver"``.  ``size`` below 3 returns a prefix of
    the demo accounts.
    """
    if isinstance(size, bool) or not isinstance(size, int):
        raise TypeError("size must be an int")
    if size < 0:
        raise ValueError("size must be >= 0")
    demo = _demo_accounts()
    if size <= len(demo):
        return demo[:size]

    # A string seed is hashed with SHA-512 by random.Random, so results do
    # not depend on PYTHONHASHSEED or the platform.
    rng = random.Random(f"network-weaving-hub-demo:{seed}:{size}")
    n = size - len(demo)
    nations = _quota(n, _NATION_WEIGHTS)
    sectors = _quota(n, _SECTOR_WEIGHTS)
    matching = _quota(n, _MATCHING_WEIGHTS)
    visibility = _quota(n, _VISIBILITY_WEIGHTS)
    for column in (nations, sectors, matching, visibility):
        rng.shuffle(column)

    builder = _Builder(rng)
    for account in demo:
        builder.used_names.add(account["name"])
    for link in demo[1]["links"]:
        if link["label"].startswith("@"):
            builder.used_handles.add(link["label"][1:])

    members = [
        _member(rng, builder, nations[i], sectors[i], matching[i], visibility[i]) for i in range(n)
    ]

    # Promote a handful of active, role-holding members to hub weavers.
    candidates = [m for m in members if m["matching"] == "active" and m["weaving_roles"]]
    extra_weavers = min(len(candidates), max(1, round(n * 0.015)))
    for m in rng.sample(candidates, k=extra_weavers):
        m["hub_role"] = "weaver"
        m["hours_per_month"] = max(m["hours_per_month"], 5)

    return demo + members
