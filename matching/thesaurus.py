"""A hand-written domain thesaurus for health & social care improvement, network weaving,
facilitation and community work.

Each concept groups the words people use for a *problem* with the words people use for the
*help* that answers it ("nobody reads our report" / "plain English editing"), so an ask and an
offer that share no words can still meet in a concept. It is written for general understanding
of the field, not for any one test file.

CONCEPTS entries: (key, plain-language label used in reasons, related concept keys, triggers).
Triggers are phrases separated by "|". They are normalised exactly like member text
(lower case, stop words dropped, light stemming), and a phrase matches when its words occur in
order with at most one other word between neighbours. Related concepts get a weaker link
(see text.RELATED_WEIGHT), so "social prescribing" partly answers "loneliness".
"""
from __future__ import annotations

CONCEPTS: list[tuple[str, str, tuple[str, ...], str]] = [
    # --- network weaving and mapping --------------------------------------------------
    ("network_mapping", "mapping who knows whom", ("network_weaving",),
     "network map|network mapping|map network|map our network|kumu|who knows whom|who knows who|"
     "knows whom|social network analysis|sna|relationship map|map relationships|map connections|"
     "mapping connections|stakeholder map|stakeholder mapping|ecosystem map|system map|systems map|"
     "visualise network|visualize network|network diagram|gephi|see connections|see who connected|"
     "who connected|connections across|network analysis|graph connections|network visualisation"),
    ("network_weaving", "network weaving and connecting people", ("network_mapping", "partnership"),
     "network weaving|network weaver|weave|weaving|weaver|weavers|closing triangles|close triangles|"
     "introduce people|introductions|connect people|connecting people|bring people together|"
     "make connections|making connections|connector|connectors|networking|self organising network|"
     "network development|network health|network maturity|grow network|build network|"
     "building network|hub network|network hub|june holley|isolates|broker|brokering"),
    ("community_of_practice", "communities of practice", ("network_weaving", "knowledge_sharing"),
     "community of practice|communities of practice|cop|special interest group|sig|learning network|"
     "practitioner network|network of practice|wenger|landscapes of practice|members group"),
    ("online_community", "running online groups and chats", ("digital_tools",),
     "online community|whatsapp|slack|group chat|chat group|discussion forum|forum|mailing list|"
     "muted|mute|notifications|noisy|too many messages|message overload|facebook group|discord|"
     "online group|online space|teams channel|channel|moderation|moderate|moderator|group etiquette|"
     "ground rules|netiquette"),
    # --- Liberating Structures and facilitation methods ---------------------------------
    ("liberating_structures", "Liberating Structures", ("facilitation",),
     "liberating structures|liberating structure|1 2 4 all|one two four all|troika|wise crowds|triz|"
     "15 solutions|what so what now what|impromptu networking|appreciative interviews|ecocycle|"
     "panarchy|conversation cafe|fishbowl|25 10 crowd sourcing|shift share|min specs|"
     "heard seen respected|drawing together|improv prototyping|user experience fishbowl"),
    ("peer_consultation", "peer assist and peer consultation", ("liberating_structures", "facilitation"),
     "peer assist|peer assists|action learning|action learning set|peer consultation|peer consulting|"
     "peer support|peer coaching|bring challenge|bring challenges|present challenge|"
     "presents challenge|help peers|help from peers|get help from peers|support each other|"
     "case clinic|consultation circle|mutual support|share challenges|fresh perspective|"
     "troika consulting|wise crowds|peer learning|learning set|learn from peers|peer review session|"
     "problem solving circle"),
    ("open_space", "Open Space and participant-led events", ("facilitation", "events"),
     "open space|open space technology|unconference|un conference|law two feet|two feet|"
     "marketplace topics|participants set agenda|set agenda themselves|participant led|"
     "participant driven|self organised agenda|self organized agenda|barcamp|open agenda|"
     "agenda themselves|bring topics|open space cafe"),
    ("world_cafe", "World Cafe style conversations", ("facilitation",),
     "world cafe|conversation cafe|cafe conversations|table host|table hosts|cafe style|"
     "harvest conversations|harvesting"),
    ("facilitation", "facilitation and session design", ("events",),
     "facilitate|facilitation|facilitator|facilitators|facilitating|host session|hosting|"
     "run workshop|running workshops|workshop design|design session|session design|icebreaker|"
     "icebreakers|breakout rooms|breakout groups|holding space|hold space|participatory|"
     "engage participants|check in|energiser|energizer|graphic facilitation|harvesting|"
     "train hosts|new hosts|group process|group work|workshop|workshops"),
    ("online_facilitation", "online and hybrid sessions", ("facilitation", "digital_tools"),
     "zoom|teams meeting|virtual workshop|online workshop|online session|online event|"
     "hybrid meeting|hybrid event|miro|jamboard|mural|padlet|mentimeter|slido|virtual meeting|"
     "video call|webinar|webinars|camera off|cameras off"),
    ("events", "organising events and gatherings", ("facilitation",),
     "event|events|conference|conferences|organise event|organising event|big day|summit|"
     "gathering|launch event|venue|festival|away day|learning event|programme day|agenda day|"
     "registration|sign ups|attendance|delegates|speakers"),
    ("meetings", "running meetings well", ("decision_making",),
     "meeting|meetings|chair|chairing|chairs|agenda|agendas|minutes|action points|actions|"
     "timekeeping|overrun|overruns|run over|running over|over time|end without|go round circles|"
     "meeting culture|terms reference|steering group|board meeting|standing meeting|huddle|"
     "huddles|capture actions|capturing actions|waffle"),
    ("decision_making", "making and recording decisions", ("meetings", "governance"),
     "decision|decisions|decide|deciding|decision making|consensus|voting|vote|sociocracy|"
     "consent based|agree priorities|prioritise|prioritisation|prioritization|make choices|"
     "without decisions|no decisions|never decide"),
    ("governance", "governance and accountability", ("meetings",),
     "governance|accountability|terms reference|constitution|board|trustees|trustee|"
     "reporting lines|sign off|approval|approvals|assurance|committee|committees"),
    # --- writing, communication and presenting -----------------------------------------
    ("plain_language", "clear, readable writing", ("writing",),
     "plain english|plain language|jargon|jargony|readable|readability|easy read|clear writing|"
     "simple language|simpler language|nobody reads|no one reads|nobody read|noone reads|"
     "never read|people read|too long|pages long|page report|page document|long report|"
     "lengthy|wordy|dense|concise|shorten|shorter|summarise|summarize|summary|executive summary|"
     "edit|editing|editor|proofread|proofreading|rewrite|copy editing|copyedit|tl dr|"
     "hard understand|difficult understand|cut down|short readable|acronyms|clearer"),
    ("writing", "writing", ("plain_language",),
     "write|writing|writer|written|blog|blogs|blogging|article|articles|write up|writing up|"
     "newsletter|newsletters|copywriting|draft|drafting|report writing|words|document|documents"),
    ("publication", "publishing in journals", ("writing", "research"),
     "publish|publishing|publication|publications|journal|journals|peer reviewed|peer review|"
     "paper|papers|manuscript|squire|abstract|abstracts|poster|posters|academic writing|bmj|"
     "submit article|write publication|get published|editorial|reviewers"),
    ("storytelling", "telling the story of your work", ("writing", "communications"),
     "story|stories|storytelling|story telling|narrative|narratives|case study|case studies|"
     "personal story|share experiences|testimonial|testimonials|digital stories|storying|"
     "tell story|human story"),
    ("communications", "communications and getting the word out", ("writing", "social_media"),
     "communications|comms|communicate|communicating|communication|promote|promotion|publicity|"
     "marketing|raise profile|raise awareness|get word out|spread word|visibility|audience|"
     "audiences|message|messaging|newsletter|press release|media|reach more people|"
     "nobody knows about|let people know|tell people about|heard of|nobody heard|no one heard|"
     "never heard|outside our|wider audience|known outside|profile"),
    ("social_media", "social media", ("communications",),
     "twitter|tweet|tweets|tweeting|linkedin|instagram|social media|hashtag|hashtags|followers|"
     "online presence|facebook|tiktok|threads|bluesky|mastodon|tweetchat|tweet chat|posts"),
    ("presenting", "presenting and pitching", ("influencing", "communications"),
     "present|presenting|presentation|presentations|pitch|pitching|public speaking|speaking|"
     "speak conference|talk|talks|keynote|slides|slide deck|slide decks|powerpoint|"
     "board|boards|executive team|executives|senior leaders|senior team|elevator pitch|nerves|"
     "nervous|stage fright|confidence speaking|dragons den|deliver talk|present work"),
    ("influencing", "influencing and getting buy-in", ("presenting", "change"),
     "influence|influencing|persuade|persuading|persuasive|negotiate|negotiating|negotiation|"
     "buy in|get buy in|win support|senior support|executive support|champion|champions|sponsor|"
     "sponsors|sign off|convince|convincing|make case|making case|lobby|advocacy|advocate"),
    ("podcast_video", "podcasts, audio and video", ("communications",),
     "podcast|podcasts|podcasting|audio|episode|episodes|recording|record|recordings|video|"
     "videos|film|filming|youtube|vlog|broadcast|radio|interview series|microphone|editing audio|"
     "listen back|listeners"),
    ("accessibility", "accessibility and reasonable adjustments", ("plain_language", "inclusion"),
     "accessible|accessibility|inaccessible|dyslexia|dyslexic|screen reader|screen readers|"
     "alt text|captions|captioning|subtitles|visual impairment|visually impaired|blind|deaf|"
     "hearing impairment|hard hearing|easy read|large print|colour contrast|font|fonts|"
     "inclusive design|reasonable adjustments|neurodiverse|neurodivergent|neurodiversity|autism|"
     "autistic|adhd|learning disability|learning disabilities|bsl|sign language|hard follow|"
     "hard read|struggle read"),
    ("visual_design", "visual design and infographics", ("communications",),
     "graphic design|infographic|infographics|visual|visuals|design|poster|canva|illustration|"
     "visual minutes|drawing|sketchnote|sketchnotes|logo|branding|layout|look professional|"
     "data visualisation|data visualization"),
    # --- data, measurement, evaluation and research --------------------------------------
    ("data_analysis", "data and analysis", ("measurement",),
     "data|dataset|datasets|statistics|statistical|stats|analysis|analyse|analyze|analyst|"
     "spreadsheet|spreadsheets|excel|dashboard|dashboards|numbers|metrics|indicators|figures|"
     "power bi|tableau|sql|data quality|make sense numbers|charts|graphs|open data"),
    ("measurement", "measurement for improvement", ("data_analysis", "qi_methods"),
     "spc|statistical process control|run chart|run charts|control chart|control charts|"
     "measurement improvement|measure|measures|measuring|baseline|variation|special cause|"
     "common cause|know improving|tell if working|show improvement|track progress|outcome measures|"
     "process measures|balancing measures|making things better|make things better|making difference|"
     "is it working|know if working|tell if|know if|actually better|actually working|getting better"),
    ("qi_methods", "quality improvement methods", ("measurement", "change"),
     "quality improvement|qi|improvement science|improvement methods|improvement methodology|"
     "pdsa|plan do study act|model improvement|driver diagram|driver diagrams|process map|"
     "process mapping|lean|six sigma|kaizen|rapid improvement|tests change|small tests|"
     "test change|value stream|waste|flow|improvement project|improvement work|improvement coach"),
    ("inequalities", "health inequalities and population health", ("data_analysis", "community_development"),
     "health inequalities|inequalities|inequality|deprivation|deprived|imd|multiple deprivation|"
     "population health|public health|worst health|health outcomes|life expectancy|"
     "neighbourhoods|neighbourhood|postcode|postcodes|census|jsna|marmot|social determinants|"
     "wider determinants|poverty|disadvantaged|health equity|equity|fingertips|core20|"
     "areas need|unequal|gaps health"),
    ("evaluation", "evaluation and showing impact", ("measurement", "research"),
     "evaluate|evaluation|evaluating|impact|outcomes|measure impact|logic model|theory change|"
     "show difference|evidence|evidencing|demonstrate value|show value|return investment|roi|"
     "social value|contribution analysis|realist evaluation|what difference|prove works|"
     "show working|value networks|difference made|impact report"),
    ("research", "research methods", ("evaluation", "publication"),
     "research|researcher|researchers|literature review|evidence review|systematic review|"
     "qualitative|quantitative|interviews|ethics|ethics approval|research governance|methodology|"
     "methods|academic|academics|university|phd|study design|study|studies|evidence base|"
     "mixed methods|thematic analysis|coding interviews"),
    ("listening", "surveys, focus groups and hearing from people", ("coproduction", "research"),
     "survey|surveys|questionnaire|questionnaires|focus group|focus groups|feedback|"
     "patient experience|hear patients|what patients think|patients think|views|consultation|"
     "service user feedback|friends family test|listening event|listening events|listen people|"
     "hear from people|opinions|experience based design|ebcd|user research|user testing|"
     "hear people|what people think|ask people|patient feedback|response rate|responses"),
    ("coproduction", "co-production and lived experience", ("listening", "community_development"),
     "co production|coproduction|coproduce|co produce|co design|codesign|co create|cocreate|"
     "co creation|lived experience|lived experiences|experts experience|expert experience|"
     "patient partners|patient partner|service users|service user|carers|"
     "people who use services|people use services|patient public involvement|ppi|"
     "public involvement|community voice|citizen|citizens|participation|involve patients|"
     "patient representatives|patient voice|user voice|nothing about us"),
    # --- wellbeing, culture, safety -----------------------------------------------------
    ("wellbeing", "wellbeing, stress and burnout", ("compassion", "mental_health"),
     "burnout|burn out|burnt out|burned out|exhausted|exhaustion|tired|fatigue|stress|stressed|"
     "stressful|overwhelm|overwhelmed|wellbeing|well being|resilience|resilient|self care|"
     "winter pressures|under pressure|pressures|compassion fatigue|staff wellbeing|rest|"
     "recovery|recover|sickness absence|morale|low morale|moral injury|relax|relaxer|relaxation|"
     "mindfulness|meditation|breathing|running empty|worn out|sick leave|cope|coping|"
     "look after ourselves|look after themselves|kindness"),
    ("compassion", "compassionate leadership", ("wellbeing", "leadership"),
     "compassionate leadership|compassion|compassionate|kind leadership|kindness|caring leadership|"
     "listening leadership|michael west|supportive culture|supportive leadership|care staff"),
    ("psychological_safety", "psychological safety and speaking up", ("team_culture", "patient_safety"),
     "psychological safety|psychologically safe|speak up|speaking up|safe space|safe spaces|blame|"
     "blamed|blaming|blame culture|blame free|without blame|fear|afraid|scared|freedom speak up|"
     "trust|trusting|just culture|open culture|raise concerns|raising concerns|whistleblowing|"
     "voice|feel safe|stop reporting|frightened"),
    ("patient_safety", "patient safety and learning from incidents", ("psychological_safety", "qi_methods"),
     "patient safety|incident|incidents|serious incident|near miss|near misses|safety culture|"
     "safety ii|safety 2|human factors|learning incidents|psirf|root cause analysis|rca|datix|"
     "reporting incidents|incident reporting|harm|harms|error|errors|mistake|mistakes|"
     "learning excellence|after action review|debrief|debriefs|swarm huddle"),
    ("team_culture", "team culture and team building", ("remote_working", "psychological_safety"),
     "team building|team culture|team development|team working|teamwork|team spirit|cohesion|"
     "disconnected|belonging|team morale|away day|get know each other|icebreakers|bonding|"
     "relationships team|social events|team activities|together team|connected team|"
     "team feels|feel part team|culture|cultures|silos"),
    ("remote_working", "remote and hybrid teams", ("team_culture", "online_facilitation"),
     "remote|remote working|remotely|virtual team|virtual teams|hybrid working|hybrid team|"
     "work home|working home|never met person|never met|met person|distributed team|online team|"
     "home working|across sites|different sites|video calls"),
    ("conflict", "conflict and difficult conversations", ("team_culture", "power"),
     "conflict|conflicts|disagreement|disagreements|difficult conversations|difficult conversation|"
     "tension|tensions|mediation|mediate|mediator|falling out|fall out|challenging behaviour|"
     "courageous conversations|courageous conversation|power struggles|argue|arguing|"
     "personality clash|clash|clashing|clashes|caught middle|keep arguing|bad blood|friction|"
     "fallen out|relationships broken"),
    ("power", "power, hierarchy and agency", ("leadership", "conflict"),
     "power|hierarchy|hierarchies|hierarchical|power dynamics|old power|new power|flat structure|"
     "status|gatekeepers|gatekeeper|control|permission|agency|top down|bottom up|grassroots"),
    ("inclusion", "equality, diversity and inclusion", ("accessibility", "inequalities"),
     "equality|diversity|diverse|inclusion|inclusive|edi|anti racism|antiracism|racism|"
     "discrimination|unconscious bias|under represented|underrepresented|minority ethnic|bame|"
     "lgbtq|lgbt|gender|allyship|ally|cultural competence|culturally|belonging|seldom heard|"
     "hard reach|marginalised|marginalized|equitable"),
    ("mental_health", "mental health support", ("wellbeing",),
     "mental health|anxiety|anxious|depression|depressed|counselling|counsellor|therapy|"
     "talking therapies|crisis|suicide|suicide prevention|emotional support|trauma|"
     "trauma informed|psychological support|low mood"),
    # --- leadership, change, careers, skills ---------------------------------------------
    ("leadership", "leadership", ("change", "mentoring"),
     "leadership|leader|leaders|leading|lead|manager|managers|management|middle managers|"
     "system leadership|distributed leadership|new leader|first leadership role|team leader|"
     "line manager|line managing|manage team|managing people|managing team|new manager"),
    ("change", "leading change and spreading improvement", ("qi_methods", "influencing"),
     "change management|leading change|lead change|transformation|resistance|resistance change|"
     "resist change|sustain|sustaining|sustainability change|spread|spreading|scale|scaling|"
     "scale up|spread adoption|adoption|implementation|implement|implementing|innovation|"
     "innovate|roll out|rollout|pilot|pilots|stuck|momentum|people wont change|business usual"),
    ("systems_thinking", "systems thinking and complexity", ("change", "network_weaving"),
     "systems thinking|complexity|complex systems|complex system|system change|whole system|"
     "cynefin|wicked problems|wicked problem|systems convening|system convening|adaptive|"
     "emergence|emergent|systemic|ecosystem"),
    ("mentoring", "mentoring and coaching", ("career", "leadership"),
     "mentor|mentors|mentoring|mentee|mentees|coach|coaching|coaches|guide|guide me|guidance|"
     "someone experienced|experienced person|more experienced|buddy|buddying|shadowing|"
     "supervision|reverse mentoring|sounding board|role model|learn experienced|one one|"
     "one to one|advice someone|somebody done"),
    ("career", "careers and professional development", ("mentoring", "training"),
     "career|careers|career development|early career|first role|new role|first improvement role|"
     "professional development|cpd|promotion|job|jobs|interview|interviews|cv|application form|"
     "next step|career change|portfolio|revalidation|secondment|progression"),
    ("training", "training and teaching", ("facilitation", "career"),
     "training|train|trainer|teach|teaching|course|courses|curriculum|learning design|"
     "e learning|elearning|induction|train trainer|upskill|upskilling|skills|capability|"
     "capability building|education|educator|learning programme|module|modules|lesson|lessons|"
     "teaching session|simulation"),
    ("time_management", "time management and protected time", ("wellbeing", "project_management"),
     "time management|manage time|managing time|no time|never find time|find time|finding time|"
     "lack time|short time|busy|busiest|protected time|juggling|juggle|diary|productivity|"
     "productive|procrastination|procrastinate|time improvement|alongside clinics|alongside day job|"
     "day job|too many commitments|competing priorities|spare time|own time|fit in|squeeze"),
    ("project_management", "project management and planning", ("time_management", "qi_methods"),
     "project management|project plan|project planning|planning|plan|gantt|milestone|milestones|"
     "timeline|timelines|deliverables|risk register|prince2|agile|scrum|kanban|project manager|"
     "on track|deadlines|deadline|organise work|keep track|trello|task list"),
    # --- money --------------------------------------------------------------------------
    ("funding", "funding and grants", ("grant_reporting", "business_case"),
     "funding|fund|funds|funded|funder|funders|grant|grants|bid|bids|bid writing|"
     "funding application|funding applications|money|budget|budgets|income|fundraising|"
     "fundraise|sponsorship|commissioners|commissioning|commissioner|charitable trusts|"
     "foundations|lottery|unpaid|resourcing|finance|financial|cost|costs"),
    ("grant_reporting", "reporting to funders", ("funding", "writing", "evaluation"),
     "final report|end project report|end project reports|report funder|funder report|"
     "funder wants|funders want|monitoring report|grant report|grant reporting|"
     "annual report|what include|reporting requirements|progress report|report back|"
     "end grant|funder happy|funders happy"),
    ("business_case", "business cases and value for money", ("funding", "influencing"),
     "business case|business cases|savings|save money|value money|economic|economics|"
     "health economics|return investment|roi|cost benefit|cost effective|cost effectiveness|"
     "efficiency|productivity gains|invest|investment"),
    # --- community, care and volunteering ---------------------------------------------
    ("social_prescribing", "social prescribing and community connection", ("loneliness", "community_development"),
     "social prescribing|social prescriber|social prescribers|link worker|link workers|"
     "community connector|community connectors|signposting|signpost|community groups|"
     "green prescribing|green social prescribing|arts prescription|non medical|"
     "community navigator|wellbeing activities|activities community|local activities|"
     "arts green activities|community activities|connect community"),
    ("loneliness", "loneliness and isolation", ("social_prescribing", "wellbeing"),
     "lonely|loneliness|isolated|isolation|social isolation|befriending|befriend|befriender|"
     "older people|older patients|older adults|elderly|housebound|company|social contact|"
     "companionship|cut off|alone|connect people|connecting people"),
    ("community_development", "asset-based community development", ("social_prescribing", "coproduction"),
     "community development|abcd|asset based|asset based community development|assets|"
     "community assets|strengths based|strengths|already has|already have|what community has|"
     "neighbourhood|neighbourhoods|community organising|community organizing|grassroots|"
     "local people|place based|capacity building|community resilience|appreciative inquiry|"
     "community resources|local groups|mapping assets|asset mapping"),
    ("volunteering", "volunteers: recruiting and keeping them", ("community_development",),
     "volunteer|volunteers|volunteering|volunteer recruitment|retain volunteers|retention|"
     "retaining|dropping out|drop out|drops out|dropout|recruit|recruiting|recruitment|"
     "induction|inducting|volunteer coordinator|volunteer coordination|keep volunteers|"
     "keeping volunteers|befrienders|stay involved|stop coming|turnover"),
    ("carers", "unpaid carers", ("coproduction", "social_care"),
     "carer|carers|unpaid carers|caregiver|caregivers|family carers|young carers|respite|"
     "caring role"),
    ("social_care", "social care", ("carers",),
     "social care|care home|care homes|domiciliary care|home care|adult social care|"
     "residential care|care workers|care worker|nursing home|nursing homes|reablement"),
    ("primary_care", "primary care and general practice", ("social_prescribing",),
     "gp|gps|general practice|primary care|surgery|pcn|primary care network|practice manager|"
     "community pharmacy|pharmacist|practice nurse"),
    # --- digital ------------------------------------------------------------------------
    ("digital_inclusion", "digital inclusion", ("digital_tools", "inequalities"),
     "digital inclusion|digital exclusion|digitally excluded|digital skills|digital inequalities|"
     "digital inequality|digital poverty|get online|getting online|internet access|data poverty|"
     "tablets|devices|tech support|not online|offline|use internet|internet|no internet|"
     "without internet|smartphone|smartphones|digital confidence|online safely"),
    ("digital_tools", "digital tools and platforms", ("online_community", "online_facilitation"),
     "digital tools|digital tool|software|app|apps|technology|tech|online tools|microsoft teams|"
     "google docs|google drive|sharepoint|trello|notion|airtable|crm|database|website|websites|"
     "wordpress|automation|platform|platforms|digital|online"),
    ("knowledge_sharing", "sharing learning and resources", ("community_of_practice",),
     "share learning|sharing learning|shared learning|good practice|best practice|"
     "knowledge management|knowledge sharing|share knowledge|toolkit|toolkits|repository|"
     "library|lessons learned|lessons learnt|learning others|learn others|spread learning|"
     "resource hub|shared drive|reinvent wheel|reinventing wheel|sharing resources|"
     "share resources|what others done|done before"),
    ("book_club", "book clubs and reading groups", ("knowledge_sharing",),
     "book club|book clubs|reading group|reading groups|journal club|journal clubs|"
     "discuss book|reading list|read together|read discuss|read and discuss|discuss ideas|"
     "readings|author|authors|chapter|chapters"),
    ("partnership", "partnership and cross-organisation working", ("network_weaving", "systems_thinking"),
     "partnership|partnerships|partner|partners|collaboration|collaborate|collaborating|"
     "collaborative|cross organisational|across organisations|across organisation|alliance|"
     "integrated care|ics|joint working|system partners|cross sector|third sector|"
     "voluntary sector|vcse|charity|charities|working together|work together|across boundaries|"
     "silos|silo"),
    ("sustainability", "climate and sustainable healthcare", (),
     "climate|sustainability|sustainable|net zero|carbon|green|greener|environment|"
     "environmental|waste|recycling|nature|green space|green spaces|planet"),
]
