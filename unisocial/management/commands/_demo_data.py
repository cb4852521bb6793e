"""The demo world of ``seed_demo``: names, communities, roles and word pools.

Kept apart from the command so that the command reads as the procedure.
"""

from communities.models import Role
from unisocial.classification import Level, Status, Visibility

# username, first name, last name, what they demonstrate
NAMED_USERS = [
    ("admin", "Ada", "Mwangi", "system manager (superuser); sees content only as a member would"),
    ("alice", "Alice", "Okafor", "owner of most demo communities"),
    ("bob", "Bob", "Lindqvist", "member; named reader of a strictly confidential post"),
    ("carol", "Carol", "Haddad", "moderator; cannot see strictly confidential posts"),
    ("dave", "Dave", "Mensah", "outsider: in no community; one pending join request"),
    ("erin", "Erin", "Takahashi", 'records officer (group "Records officers")'),
    ("frank", "Frank", "Osei", "new colleague: has not accepted the terms of use yet (signing in starts there)"),
]
# Demo users who have not accepted the current terms: their first sign-in shows the acceptance.
TERMS_PENDING = {"frank"}

OPEN, MODERATED, RESTRICTED = Visibility.OPEN, Visibility.MODERATED, Visibility.RESTRICTED
U, C, SC = Level.UNCLASSIFIED, Level.CONFIDENTIAL, Level.STRICTLY_CONFIDENTIAL

# fmt: off
# name, slug, visibility, ceiling, archived, premoderation, topics
NAMED_COMMUNITIES = [
    ("Knowledge Management Network", "knowledge-management", OPEN, U, False, False,
     ["knowledge sharing", "communities of practice", "after-action reviews",
      "document templates"]),
    ("Peacekeeping Logistics", "peacekeeping-logistics", MODERATED, C, False, False,
     ["fuel resupply", "rations contracts", "strategic deployment stocks", "airfield capacity"]),
    ("Internal Audit Working Group", "internal-audit", RESTRICTED, SC, False, False,
     ["audit findings", "risk registers", "fraud indicators", "management responses"]),
    ("Staff Wellbeing Circle", "staff-wellbeing", OPEN, U, False, False,
     ["flexible working", "mental health first aid", "rest and recuperation", "peer support"]),
    ("Procurement Reform Taskforce", "procurement-reform", MODERATED, C, False, True,
     ["low-value procurement", "vendor registration", "long-term agreements",
      "sustainable procurement"]),
    ("Ethics and Integrity Advisers", "ethics-integrity", RESTRICTED, C, False, False,
     ["financial disclosure", "conflicts of interest", "outside activities",
      "gifts and hospitality"]),
    ("Humanitarian Data Exchange", "humanitarian-data", MODERATED, U, False, False,
     ["needs assessments", "data sharing protocols", "population estimates", "dashboards"]),
    ("Umoja Deployment Lessons Learned", "umoja-lessons", OPEN, U, True, False,
     ["go-live readiness", "data cleansing", "training of trainers",
      "post-implementation support"]),
    ("Field Security Coordination", "field-security", RESTRICTED, SC, False, False,
     ["security risk assessments", "movement restrictions", "incident reports",
      "evacuation plans"]),
    ("Translation and Terminology", "translation-terminology", OPEN, U, False, False,
     ["terminology database", "style guides", "machine translation", "editorial standards"]),
    ("Gender Parity Champions", "gender-parity", MODERATED, C, False, False,
     ["recruitment targets", "mentoring", "enabling environment", "parity dashboards"]),
    ("Climate Action Focal Points", "climate-action", OPEN, U, False, False,
     ["greening operations", "carbon footprint", "travel emissions",
      "renewable energy in missions"]),
]
OWNER, MOD, MEMBER = Role.OWNER, Role.MODERATOR, Role.MEMBER
# The demo users' roles (see the table printed at the end and README "Demo users").
NAMED_ROLES = {
    "knowledge-management": {"alice": OWNER, "carol": MOD, "bob": MEMBER, "erin": MEMBER},
    "peacekeeping-logistics": {"alice": OWNER, "carol": MOD, "bob": MEMBER},
    "internal-audit": {"alice": OWNER, "carol": MOD, "bob": MEMBER},
    "staff-wellbeing": {"bob": MEMBER, "erin": MEMBER, "frank": MEMBER},
    "procurement-reform": {"alice": OWNER, "carol": MOD, "bob": MEMBER},
    "ethics-integrity": {"alice": OWNER, "bob": MEMBER},
    "humanitarian-data": {"bob": MEMBER, "carol": MEMBER},
    "umoja-lessons": {"alice": OWNER, "bob": MEMBER},
}
# Fixed posts that show the access rule with the demo users:
# community, author, title, level, status, named readers.
SHOWCASE_POSTS = [
    ("knowledge-management", "alice", "Welcome to the Knowledge Management Network",
     U, Status.PUBLISHED, []),
    ("peacekeeping-logistics", "alice", "Fuel resupply schedule for sector East, third quarter",
     C, Status.PUBLISHED, []),
    ("internal-audit", "alice", "Draft findings: field mission fuel contracts",
     SC, Status.PUBLISHED, ["bob"]),
    ("internal-audit", "alice", "Referral from the oversight office: case notes",
     SC, Status.PUBLISHED, []),
    ("internal-audit", "carol", "Audit plan for the next biennium",
     C, Status.PUBLISHED, []),
    ("procurement-reform", "bob", "Proposal: simplify low-value procurement",
     U, Status.PENDING, []),
]
# Communities beyond the named ones cycle through these (visibility, ceiling) pairs.
GENERATED_KINDS = [(OPEN, U), (MODERATED, C), (RESTRICTED, SC), (MODERATED, U), (RESTRICTED, C)]
GENERATED_TOPICS = [
    "Conference Services", "Human Resources Partners", "ICT Service Desk", "Legal Affairs",
    "Budget and Finance", "Public Information", "Electoral Assistance", "Mine Action",
    "Rule of Law", "Medical Services", "Supply Chain", "Facilities Management",
]
DUTY_STATIONS = [
    "New York", "Geneva", "Nairobi", "Vienna", "Bangkok", "Addis Ababa", "Beirut", "Santiago",
    "Entebbe", "Brindisi", "Goma", "Juba", "Bamako", "Port-au-Prince", "Kabul", "Amman",
]
FIRST_NAMES = [
    "amina", "boris", "chen", "diego", "fatima", "gustavo", "hana", "ibrahim", "jelena", "kofi",
    "leila", "mateo", "nadia", "olga", "pedro", "qing", "rania", "samuel", "tanvir", "ursula",
    "victor", "wanjiru", "xavier", "yasmin", "zoran", "aisha", "bjorn", "camille", "dmitri",
    "esther",
]
LAST_NAMES = [
    "diallo", "petrov", "wang", "fernandez", "rahman", "silva", "sato", "haddad", "novak",
    "mensah", "kariuki", "garcia", "ivanova", "costa", "li", "nasser", "adeyemi", "chowdhury",
    "schmidt", "moreau", "kowalski", "abebe", "santos", "nguyen", "ali", "larsen", "dubois",
    "yilmaz", "osei",
]
TITLE_PATTERNS = [
    "Lessons learned on {topic} in {place}",
    "Draft guidance note on {topic}",
    "Call for inputs: {topic}",
    "Minutes of the {month} meeting on {topic}",
    "How do other duty stations handle {topic}?",
    "Update on {topic} — {place}",
    "Checklist for {topic}, revision {n}",
    "Briefing for senior management on {topic}",
    "Good practice from {place}: {topic}",
    "Terms of reference for the {topic} review",
]
MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]
SENTENCES = [
    "The working group met on Tuesday and agreed on the next steps.",
    "Colleagues in the field offices have asked for a shorter template.",
    "Please send comments to the focal point by the end of the month.",
    "The attached draft reflects the inputs received so far.",
    "We still need figures from two regional offices before we can finalise.",
    "This builds on the recommendations of last year's evaluation.",
    "The approach was piloted in three missions with encouraging results.",
    "Budget implications will be reviewed with the programme managers.",
    "Several offices reported delays caused by the new approval workflow.",
    "A short training session will be organised for new focal points.",
    "The risk was rated medium and is being monitored monthly.",
    "We recommend keeping the current arrangement until the review is complete.",
    "The checklist has been translated into French and Spanish.",
    "Thank you to everyone who contributed examples from their duty stations.",
    "Questions raised during the meeting are answered in the thread below.",
    "The revised timeline moves the final report to the next quarter.",
]
# fmt: on
GUIDELINES = "Be courteous, stay on topic, classify every post, and never post above the ceiling."
# Weights for the level of a random post, among the levels its community allows.
LEVEL_WEIGHTS = {U: 6, C: 3, SC: 1}
STATUS_CHOICES = (
    [Status.PUBLISHED] * 95 + [Status.PENDING] * 2 + [Status.HIDDEN] * 2 + [Status.WITHDRAWN]
)

# The life of the demo communities, written through the services after the posts
# (seed_demo ``Seeder.create_activity``): comments on the newest posts, recommendations, wiki pages.
COMMENTS = [
    "Thanks, this is very useful. We will share it with the team in {place}.",
    "Could you add the figures for the second quarter?",
    "We tried something similar in {place}; happy to compare notes.",
    "Agreed. The template would help the smaller offices most.",
    "Is there a deadline for inputs?",
    "Good summary. One point is missing: the handover to the new focal point.",
]
REPLIES = [
    "Thank you, @{name}. I will update the draft this week.",
    "Good question, @{name}: the end of the month.",
    "Yes, @{name}, let us set up a call.",
]
# title, Markdown body, level wanted (capped at the community's ceiling)
WIKI_PAGES = [
    ("Start here", "## Welcome\n\nWhat this community is for, who the owners are and how to take part.\n\n"
     "- Read the guidelines\n- Introduce yourself in a post\n- Ask before sharing documents", U),
    ("Working methods", "## How we work\n\nMeetings are monthly. Minutes are posted within a week; "
     "**decisions** are listed at the top.", C),
    ("Case register", "## Open cases\n\nKept by the owners only: named readers are added case by case.", SC),
]
