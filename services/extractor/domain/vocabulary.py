"""Words and patterns that mark casualty figures in English (used by ``casualties.py``)."""

from __future__ import annotations

import re

from .text import words

KILLED, INJURED = "killed", "injured"
CHILD = words(
    "child children kid kids minor minors boy boys girl girls infant infants baby babies toddler "
    "toddlers newborn newborns schoolchildren schoolboy schoolgirl schoolboys schoolgirls teenager "
    "teenagers teen teens juvenile juveniles"
)
WOMAN = words(
    "woman women mother mothers female females wife wives sister sisters grandmother widow widows"
)
PERSON = (
    CHILD
    | WOMAN
    | words(
        "people person persons civilian civilians individual individuals man men fighter fighters "
        "soldier soldiers member members militant militants militiaman militiamen rebel rebels "
        "troop troops officer officers commander commanders resident residents worker workers "
        "farmer farmers shepherd shepherds policeman policemen guard guards personnel recruit "
        "recruits gunman gunmen insurgent insurgents jihadist jihadists combatant combatants "
        "victim victims protester protesters demonstrator demonstrators student students teacher "
        "teachers doctor doctors journalist journalists volunteer volunteers refugee refugees "
        "leader leaders operative operatives others other elements element spy informant dead "
        "fatality fatalities casualty casualties wounded injured relative relatives son sons "
        "daughter daughters brother brothers father husband wife driver drivers nurse "
        "paramedic paramedics militia cadre cadres conscript conscripts defector agent agents "
        "national nationals citizen citizens villager villagers smuggler smugglers trader "
        "official officials employee employees prisoner prisoners detainee detainees suspect "
        "suspects assailant assailants attacker attackers bomber bombers pilot pilots sniper "
        "snipers colonel general sergeant captain lieutenant brigadier mayor imam sheikh activist "
        "activists medic medics deputy chief owner owners contractor contractors staff elder "
        "elders martyr martyrs adult adults youth youths figure figures individual operative "
        "emir emirs passenger passengers patient patients nurses pilgrim pilgrims worshipper "
        "worshippers mourner mourners rescuer rescuers shopper shoppers"
    )
)
# Singular person nouns that count one person with no number or article in front: a
# headline's bare noun ("rockets kill civilian", "Woman and child killed") or a definite one
# next to its casualty verb ("killing the owner of the house", "the child ... was killed").
SINGULAR_PERSON = words(
    "civilian child woman man boy girl kid infant baby toddler teenager soldier fighter member "
    "militant commander officer leader journalist doctor nurse activist policeman guard driver "
    "owner official citizen resident farmer shepherd worker teacher student imam sheikh "
    "contractor agent smuggler person paramedic volunteer mother father husband wife son "
    "daughter brother sister elder individual operative figure"
)
DETERMINERS = words("the his her their its")
PREPOSITIONS = words(
    "in on at near with from by for of to after during into across between around inside "
    "outside toward towards against over under while when as before"
)
KILL_VERBS = words("kill kills killed killing executed executing execute executes")
INJURE_VERBS = words("injure injures injured injuring wound wounds wounded wounding")
PARTICIPLES = words("killed dead died dies die martyred executed injured wounded hurt slain")
AUX = words("were was are is have has had been be being got")
# Verbs that end a noun group before a casualty phrase ("two fighters lost their lives",
# "100 others sustained injuries").
GROUP_ENDS = words("lost sustained suffered succumbed perished received")
# Words between a noun group and its casualty verb ("were all later reported killed").
ADVERBS = words(
    "reportedly allegedly also later reported confirmed found subsequently seriously critically "
    "severely lightly slightly fatally mortally badly moderately summarily brutally "
    "immediately instantly"
)
SKIP = ADVERBS | words("all both left shot and to have")
THINGS = words(
    "vehicle vehicles tank tanks village villages town towns position positions house houses "
    "building buildings strike strikes airstrikes raids rockets missiles shells mortars car cars "
    "truck trucks points checkpoints areas locations events sites homes bombs barrels drones "
    "sorties attacks incidents explosions mines fronts axes neighbourhoods neighborhoods shops "
    "schools hospitals weapons guns km lorries buses boats rounds projectiles operations "
    "bombings shellings bombardments airstrike cannons hours days nights family families "
    "ammunition munitions explosives"
)
# Adjectives ending like verbs that may sit in a noun group ("unidentified gunmen").
ED_ADJECTIVES = words(
    "armed unidentified displaced allied affiliated detained unarmed named called aged dubbed "
    "identified unnamed unknown-armed"
)
KILL_WORDS = re.compile(
    r"^(killed|dead|died|die|slain|executed|massacred|perished|martyred|succumbed|"
    r"fatalities|fatality|deaths|death|martyr|martyrs)$"
)
INJURE_WORDS = re.compile(r"^(injured|wounded|hurt|injuries|injury|wounds|injuring|wounding)$")
L_KILL = re.compile(
    r"(\b(killed|killing|kill|kills|executed|executing|massacred|massacre|massacres|"
    r"slaughtered|beheaded|(?:documented|reported|confirmed|announced) the deaths?|"
    r"eliminating|eliminated|eliminate|"
    r"shot dead|lives of|life of|death of|deaths of|killing of|bodies of|martyrdom of|"
    r"dead bodies of|"
    r"(?:killed|killing) and (?!injur|wound)\w+)|"
    r"\b(death ?toll|toll)\b.{0,30}\b(of|to|at|reached|hit|be|is|was)|"
    r"\b(fatalit\w*|casualt\w*|deaths)\b(?:(?!\bwhile\b|\bfate\b)[^;]){0,80}\b(as|to|at|be|is|are|"
    r"was|were|coded|of|assumed|"
    r"estimated|put|numbered|reached|totall?ed|totall?ing)|\b(fatalit\w*|deaths)|"
    r"\bcoded(?: as| to| at)?)"
    r"( a total of| another| a further| an additional| also| all| both| the)?( [\"'])?$"
)
L_INJURE = re.compile(
    r"\b(injuring|injured|injure|injures|wounding|wounded|wound|wounds|injuries to|injury of|"
    r"injury to|wounding of|injuring of|injuries of|wounds to)"
    r"( another| a further| an additional| also)?( [\"'])?$"
)
L_SUBGROUP = re.compile(
    r"(\bincluding|\bamong them|\bamong whom|\bamong those|\bincl|\(|\bof whom|\bof which"
    r"|\bof them)$"
)
R_SUBGROUP = re.compile(r"^(of whom|of them|of which)\b")
# "those killed in two attacks include 14 children": subgroups of the casualty word's measure.
# "killing civilians including three children", "among the dead were two children", "among the
# killed was a commander": likewise, with no total stated.
L_INCLUDE = re.compile(
    r"\b(killed|dead|victims|died|wounded|injured|killing|wounding|injuring)\b[^.;]{0,60}"
    r"\binclud(?:e|es|ed|ing)$"
    r"|\bamong (?:the|those) (killed|dead|victims|fatalities|wounded|injured)\b[^.;]{0,40}"
    r"\b(?:were|was|are|is)$"
)
# "15 of the wounded", "five of those killed": a part of that measure's (unstated) total.
R_PART_OF = re.compile(
    r"^(?:were |was |are )?(?:of|among) (?:the|those) (dead|killed|victims|fatalities|wounded|"
    r"injured)\b"
)
# A toll stated far from its figure ("The death toll from Monday's car bomb in the town of
# Azaz rose to 19"); the injured likewise.
TOLL_FAR = re.compile(
    r"\b(?:death ?tolls?|tolls?|number of (?:the )?(?:dead|deaths|fatalities|victims|martyrs|"
    r"(?:those|people|civilians|persons)(?: who (?:were|have been|had been|was))? "
    r"(?:killed|martyred)))\b[^.;]{0,140}?\b(?:rose|"
    r"risen|rises|rising|climbed|reached|increased|jumped|hit|stands|stood|put|at|to|"
    r"surpass(?:es|ed)?|exceed(?:s|ed)?|tops|topped|become|became|from|documented|recorded)"
    r"(?: to| at| \()?$"
)
INJURED_FAR = re.compile(
    r"\bnumber of (?:the )?(?:injured|wounded|injuries|(?:those|people|civilians|persons)"
    r"(?: who were)? (?:injured|wounded))\b[^.;]{0,140}?\b(?:rose|risen|"
    r"reached|increased|climbed|jumped|at|to)(?: to| at)?$"
)
# "kills and injures three", "killed or wounded": killed and injured together, no split.
# "led to the death and injury of 9", "deaths and injuries of 20": likewise.
L_BOTH = re.compile(r"\b(?:kill\w*|dead|deaths?)\s+(?:and|or)\s+(?:injur\w*|wound\w*)(?:\s+of)?$")
ADDITIVE = words("more another further additional also")
TOTAL = re.compile(r"\b(total|toll|deathtoll|coded|overall|in all|altogether)\b")
# "3 were noted in this location", "with 3 fatalities allocated to this event": the share
# of a multi-place figure that belongs to the place the text is about.
LOCAL = re.compile(
    r"^(?:fatalit\w+ )?(?:are |were |is |was )?"
    r"(?:noted|documented|allocated|coded|recorded|reported) "
    r"(?:in|to|at|for) this (?:location|event|area|place)"
)
COORD = frozenset({"and", ",", "&", "plus"})
# Coordination spelled in words: "30 soldiers as well as 50 rebels", "along with six teachers".
COORD_PHRASE = re.compile(r"\b(?:as well as|along with|together with|in addition to)$")
# An explicit coding statement: "fatalities coded as 7", "coded to 10", "12 fatalities coded".
L_CODED = re.compile(r"\bcoded(?: as| to| at)?(?: a total of| the)?$")
R_CODED = re.compile(
    r"^(?:total )?(?:fatalit\w+ |deaths )?(?:are |were |is |was )?coded\b(?! to this)"
)
