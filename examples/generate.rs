//! Deterministic synthetic council contact-centre logs, for benchmarks.
//!
//! ```sh
//! cargo run --release --example generate -- --rows 100000 --seed 1 -o contacts-100k.csv
//! cargo run --release --example generate -- --size 1GB --seed 1 -o contacts-1g.csv
//! cargo run --release --example generate -- --rows 20 | less      # stdout when no -o (or -o -)
//! ```
//!
//! Real exports cannot be shared (they hold residents' personal data) and the fixtures are
//! a few hundred rows, so the speed work of issue 3 needs a large log that looks like a
//! year of a big council's contacts: the same column set as `fixtures/contacts.csv`, the
//! same mess in the values, and text that makes a multi-pattern matcher do realistic
//! work. This example writes such a log.
//!
//! # What it writes
//! A CSV file (CRLF line endings, RFC 4180 quoting by the `csv` crate) with the header
//! `Contact ID,Date/Time,Contact Method,Service Area,Customer Ref,Call Notes`:
//! - **Contact ID**: a CRM-style case number, `CAS-1000001-7KQ2ZD`: a rising sequence with
//!   occasional gaps and a random suffix.
//! - **Date/Time**: `dd/mm/yyyy HH:MM` over one financial year (1 April 2025 to 31 March
//!   2026). Times rise with the row number through the days (weekdays busier than
//!   weekends) and their hours (86% of weekday contacts in office hours), but 27% of
//!   contacts are nudged by up to 20 minutes and 3% are logged one to three days late, so
//!   the file is roughly but not strictly in time order.
//! - **Contact Method**: 7 channels under 26 spellings (`Phone`, `Telephone`, `Tel`, `IVR`,
//!   `Email`, `E-mail`, `Web`, `Webform`, `Online`, `Webchat`, `Face to Face`, `F2F`,
//!   `Walk-in`, `Letter`, `SMS`, ...). In office hours most contacts are calls; nights and
//!   weekends are mostly e-mail and web, with an out-of-hours phone line and no visits.
//! - **Service Area**: 16 services under 81 spellings (`Council Tax`, `Ctax`,
//!   `Revenues`, `Refuse & Recycling`, `Births, Deaths & Marriages`, ...), one of them
//!   with a comma so that a non-text column needs quoting too. The spellings of a service
//!   all map to one canonical service of rules/council.toml, so repeats stay visible.
//! - **Customer Ref**: `CR` and 7 digits, from a pool of 800,000 customers. 2% of contacts
//!   are anonymous (empty). 70% of the other contacts draw a customer uniformly and 30%
//!   from a skewed distribution, so that a few hundred customers contact the council
//!   dozens of times a year. In a small log most customers appear once; a 1 GB log
//!   (5.65 M rows) holds about 798,000 distinct customers, the busiest with about 180
//!   contacts. 8% of contacts deliberately repeat a recent contact (same customer, same
//!   service, within 14 days, mostly within 3); with the customers who recur by chance,
//!   10% of the contacts in a 1 GB log repeat one of the previous 14 days (8% in 100k rows).
//! - **Call Notes**: British agent shorthand, 40 to 200 bytes (about 107 on average), built
//!   from a channel-specific opener ("cust called", "Webform:", "walk-in"), a core that
//!   says why the customer got in touch, and detail fragments (references, dates, amounts,
//!   advice given, abbreviations such as cust, re, HB, CTR, wks, tfr, cb, adv, appt,
//!   pymt, o/s). About 40% of cores express failure demand (chasing, repeats, things not
//!   done or done wrong, letters not understood, complaints, wrong department, a website
//!   or phone line that failed) and the rest value demand (requests, applications,
//!   payments, questions, changes of circumstances, reports, bookings), with some
//!   deliberate traps (a "complaint" about a neighbour's dog is a first report, not a
//!   council failure). Most notes hold commas, about 3% hold double quotes, about 1.2%
//!   hold a line break (LF, or CRLF in a quarter of them), 2% are in capitals.
//!
//! A row is about 177 bytes, 107 of them notes, so `--size 1GB` (10^9 bytes) writes about
//! 5.65 million rows; the prototype's test log in shared/perf-notes.md had 5.4 million
//! rows with the same 107 bytes of notes per row and somewhat longer other fields. With
//! `--size` the log stops at the first row that reaches the size, and dates are spread
//! over the rows that size is expected to hold, so `--rows N` and `--size` give different
//! files for the same seed. Writing 1 GB takes about 7 s on one core.
//!
//! # Determinism
//! The same `--seed` and `--rows` (or `--size`) give byte-identical output on any machine:
//! every random choice comes from `ChaCha8Rng::seed_from_u64(seed)`, whose stream is
//! portable, through this file's own integer sampling (not `rand`'s distributions, whose
//! algorithms may change between versions), and no floating-point function other than
//! IEEE-exact arithmetic is used. A summary goes to stderr unless `--quiet`.
#![forbid(unsafe_code)]

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Write a synthetic council contact log (CSV) for benchmarks.
#[derive(Parser, Debug)]
#[command(name = "generate")]
struct Args {
    /// Number of contacts (rows after the header) to write.
    #[arg(long, required_unless_present = "size", conflicts_with = "size")]
    rows: Option<u64>,
    /// Write rows until the file reaches this size: 1GB, 500MB, 64KiB, 1.5GiB or bytes
    /// (KB/MB/GB are powers of 1000, KiB/MiB/GiB powers of 1024).
    #[arg(long, value_parser = parse_size)]
    size: Option<u64>,
    /// Seed for the random generator; the same seed and size give the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output file; `-` or none for standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Do not print the summary on stderr.
    #[arg(short, long)]
    quiet: bool,
}

const HEADER: [&str; 6] = [
    "Contact ID",
    "Date/Time",
    "Contact Method",
    "Service Area",
    "Customer Ref",
    "Call Notes",
];

/// Days covered by the log, from `START_YEAR-04-01`.
const DAYS: u32 = 365;
const START_YEAR: i64 = 2025;
/// Distinct customers that can appear.
const CUSTOMERS: u32 = 800_000;
/// Share of contacts whose customer is drawn from the skewed (frequent-contact) part.
const FREQUENT_SHARE: f64 = 0.30;
/// Share of contacts with no customer reference.
const ANONYMOUS_SHARE: f64 = 0.02;
/// Share of contacts that deliberately repeat a recent contact (same customer and service).
const REPEAT_SHARE: f64 = 0.08;
/// Repeats are of contacts at most this many minutes older.
const REPEAT_WINDOW_MIN: u32 = 14 * 24 * 60;
/// Share of all notes expressing failure demand.
const FAILURE_SHARE: f64 = 0.40;
/// Share of deliberate repeats whose note expresses failure demand.
const FAILURE_ON_REPEAT: f64 = 0.80;
/// Share of notes holding a line break.
const NEWLINE_SHARE: f64 = 0.012;
/// Bounds of a note, in bytes.
const NOTE_MIN: usize = 40;
const NOTE_MAX: usize = 200;
/// A note grows fragment by fragment until it reaches `TARGET_BASE` plus three draws
/// below `TARGET_SPREAD` (plus 40-80 for one note in ten); tuned so that notes average
/// about 107 bytes.
const TARGET_BASE: usize = 31;
const TARGET_SPREAD: u32 = 40;
/// Expected bytes per row, used to spread dates when only `--size` is known.
const BYTES_PER_ROW: u64 = 177;
/// Recent contacts kept for repeats (a power of two).
const RING: usize = 1 << 18;

// ---------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------
//
// Templates hold placeholders in braces, expanded by `Gen::expand_into`:
//   {s} the note's subject (one per note, from the service)   {n} a count 2-9
//   {w} weeks 2-8          {d} a recent date dd/mm        {y} a past day ("Mon", "yesterday")
//   {f} a coming day ("Tues", "tomorrow")
//   {r} a 7-digit reference   {a} an amount in pounds     {o} an ordinal (2nd-5th)
//   {x} another organisation  {t} a council team          {h} a house number
//   {m} minutes waited     {g} a vehicle registration     {p} a planning reference
//   {l} a street           {c} a place

struct Service {
    /// Spellings of the service in exports, with weights.
    names: &'static [(&'static str, u32)],
    /// Share of contacts (relative weight).
    weight: u32,
    /// What a contact is about; one is chosen per note for {s}.
    subjects: &'static [&'static str],
    /// Cores of value-demand notes.
    value: &'static [&'static str],
    /// Cores of failure-demand notes specific to the service.
    failure: &'static [&'static str],
}

#[rustfmt::skip]
const SERVICES: &[Service] = &[
    Service {
        names: &[
            ("Council Tax", 40), ("Ctax", 10), ("Revenues", 10), ("C/Tax", 3),
            ("Council Tax Enquiries", 5), ("Revenues - Council Tax", 5), ("COUNCIL TAX", 3),
        ],
        weight: 16,
        subjects: &[
            "ctax bill", "council tax account", "SPD", "single person discount", "DD",
            "direct debit", "instalments", "arrears", "summons", "refund", "exemption",
            "annual bill", "ctax acct", "reminder", "final notice", "CTR on ctax acct",
        ],
        value: &[
            "pay ctax",
            "wants to pay ctax balance of {a}",
            "set up DD for ctax",
            "apply for SPD, lives alone since {d}",
            "moving house {d}, final bill needed",
            "moving out, fwd address given",
            "new tenant moving in, set up ctax acct",
            "asked how to apply for a student exemption",
            "how do I change my DD date",
            "request copy of ctax bill for mortgage",
            "change of bank details for DD",
            "asked what band the property is in",
            "pymt {a} taken by card",
            "wants to spread instalments over 12 months",
            "asked re CTR eligibility, lost job",
            "pay o/s balance of {a} on ctax",
        ],
        failure: &[
            "wrong amount on ctax bill",
            "SPD not applied on new bill",
            "charged twice for {d} instalment",
            "pymt on wrong account, {a} to be moved",
            "summons rcvd but already paid in full",
            "bill sent to old address again",
            "doesnt understand ctax bill",
            "cant understand letter re arrears",
            "why has my bill gone up",
            "refund promised {w} wks ago not rcvd",
            "DD taken twice this month",
            "reminder issued in error, DD in place",
            "enforcement agent letter rcvd in error",
            "letter says \"final notice\" but cust has paid every month",
        ],
    },
    Service {
        names: &[
            ("Benefits", 10), ("Housing Benefit", 10), ("HB/CTR", 5), ("Council Tax Reduction", 3),
            ("Benefits - New Claims", 3), ("Council Tax Support", 2),
        ],
        weight: 11,
        subjects: &[
            "HB claim", "CTR claim", "HB", "CTR", "claim", "new claim", "DHP application",
            "HB/CTR claim", "change of circs", "overpayment", "backdating request",
            "UC award notice",
        ],
        value: &[
            "new HB claim",
            "apply for CTR",
            "wants to apply for HB, new tenancy from {d}",
            "apply for DHP, rent shortfall of {a} a month",
            "new job, income change",
            "partner moved in {d}",
            "baby born, update claim",
            "starting UC, asked re CTR",
            "how do I apply for CTR",
            "eligibility for CTR",
            "reporting change of circs - hours reduced",
            "sent in payslips as requested",
            "asked what evidence is needed for claim",
            "moving house, change of address for HB",
            "wants to know if eligible for HB, on pension credit",
        ],
        failure: &[
            "HB stopped in error",
            "overpayment letter sent in error, cust reported change on time",
            "CTR calculated on wrong earnings, used gross not net",
            "wrong amount of HB paid to landlord",
            "cant understand HB letter",
            "doesnt understand overpayment letter",
            "letter unclear about CTR award",
            "docs sent {w} wks ago, claim still not assessed",
            "HB paid to wrong landlord",
            "evidence lost, asked to send it all again",
            "award letter says {a} but only half paid",
        ],
    },
    Service {
        names: &[
            ("Waste", 10), ("Refuse & Recycling", 8), ("Bins", 5), ("Waste and Recycling", 6),
            ("Refuse", 3), ("Garden Waste", 2), ("Missed Bins", 2),
        ],
        weight: 15,
        subjects: &[
            "bin", "bins", "blue bin", "brown bin", "green bin", "recycling", "garden waste",
            "bulky collection", "food caddy", "wheelie bin", "assisted collection",
            "black bag collection", "grey bin",
        ],
        value: &[
            "new bin requested",
            "replacement bin, old one cracked",
            "book bulky uplift, {n} items",
            "book bulky collection - sofa and fridge",
            "apply for garden waste subscription",
            "pay for garden waste permit, {a}",
            "asked when bins are collected over xmas",
            "new build, needs full set of bins",
            "request assisted collection, cust has mobility issues",
            "food caddy request",
            "extra recycling box requested",
            "asked which bin for glass",
            "order new wheelie bin, moved into no. {h}",
            "asked what day {s} is collected on {l}",
        ],
        failure: &[
            "bin missed again",
            "{s} not collected",
            "missed bin, 3rd time this month",
            "bin not returned to property, left in road",
            "crew left rubbish all over the pavement",
            "bin missed - crew said contaminated, cust disputes",
            "bin ordered {w} wks ago not delivered",
            "assisted collection not done again",
            "garden waste paid for but not collected",
            "bins missed whole street on {l}",
            "cust says \"they never come on time\", {s} missed",
        ],
    },
    Service {
        names: &[
            ("Housing Repairs", 10), ("Repairs", 8), ("Responsive Repairs", 3),
            ("Repairs & Maintenance", 2), ("Gas Servicing", 1),
        ],
        weight: 10,
        subjects: &[
            "repair", "leak", "boiler", "damp and mould", "broken window", "front door",
            "kitchen repair", "bathroom repair", "heating", "repair job {r}", "gas service",
            "roof leak", "WO {r}",
        ],
        value: &[
            "report leak under kitchen sink",
            "report repair - broken window",
            "boiler not working, no heating, first report",
            "book gas service appt",
            "report damp and mould in back bedroom",
            "front door lock broken, report repair",
            "report blocked drain at rear of property",
            "new repair - extractor fan not working",
            "request repair to garden fence",
            "book appt for surveyor to inspect",
            "report loose stair rail, cust elderly",
        ],
        failure: &[
            "repair not fixed",
            "operative didnt turn up",
            "nobody turned up for appt on {d}",
            "no heating still, engineer did not attend",
            "repair marked complete but not done",
            "leak back again after repair",
            "damp and mould still not sorted",
            "contractor left job half done",
            "wrong part ordered, job not done",
            "appt cancelled again without notice",
            "system shows \"completed\" but nobody has been out",
        ],
    },
    Service {
        names: &[
            ("Housing Options", 5), ("Homelessness", 3), ("Housing Register", 3),
            ("Tenancy Management", 2), ("Rents", 3),
        ],
        weight: 6,
        subjects: &[
            "housing application", "housing register", "homeless application", "bidding", "tenancy",
            "rent account", "banding", "TA", "transfer request",
        ],
        value: &[
            "apply to join housing register",
            "homeless tonight, needs advice",
            "asked how bidding works",
            "request transfer, overcrowded",
            "pay rent {a}",
            "change of circs for housing application",
            "asked about advice on rent arrears",
            "new tenancy sign-up appt",
            "asked what band cust is in",
            "tenant giving notice, moving out {d}",
        ],
        failure: &[
            "housing application lost",
            "banding wrong, medical info not considered",
            "rent charged twice",
            "cust says letter says \"no priority\" - doesnt understand why",
            "homeless app {w} wks, no decision",
            "rent acct shows wrong balance",
        ],
    },
    Service {
        names: &[
            ("Roads", 5), ("Highways", 10), ("Highways & Transport", 3), ("Potholes", 2),
            ("Highways and Transport", 3),
        ],
        weight: 7,
        subjects: &[
            "pothole", "pavement", "road", "drain", "street light", "gritting", "road closure",
            "dropped kerb", "traffic lights",
        ],
        value: &[
            "report pothole on {l}",
            "report pothole outside no. {h}",
            "blocked drain on {l}, flooding road",
            "streetlight out on {l}",
            "report damaged pavement near the school",
            "apply for dropped kerb",
            "asked when road closure on {l} ends",
            "request grit bin",
            "tree down across {l}",
            "report broken traffic lights at junction",
        ],
        failure: &[
            "pothole reported {w} wks ago still not fixed",
            "pothole filled but broken up again",
            "road not gritted again",
            "drain still blocked after job closed",
            "streetlight still out, reported {d}",
            "dropped kerb application lost",
        ],
    },
    Service {
        names: &[
            ("Parking", 6), ("Parking Services", 4), ("PCN", 2), ("Parking Permits", 2),
            ("Blue Badge", 2),
        ],
        weight: 6,
        subjects: &[
            "PCN", "permit", "residents permit", "blue badge", "parking fine", "visitor permit",
            "appeal", "car park",
        ],
        value: &[
            "pay parking fine",
            "pay PCN {a}",
            "apply for residents permit",
            "blue badge application",
            "renew blue badge",
            "new car, reg {g}, update permit",
            "buy visitor permits",
            "how do I appeal a PCN",
            "asked about parking restrictions on {l}",
            "report car parked on pavement on {l}",
        ],
        failure: &[
            "PCN issued in error, valid permit displayed",
            "permit paid for but not rcvd",
            "charged twice for permit",
            "appeal submitted {w} wks ago no reply",
            "blue badge app {w} wks, no decision",
            "cant understand PCN letter",
            "wrong reg on permit, {g} not {g}",
        ],
    },
    Service {
        names: &[
            ("Environmental Health", 6), ("Env Health", 3), ("Noise", 2), ("Public Protection", 2),
            ("Food Safety", 1),
        ],
        weight: 4,
        subjects: &[
            "noise case", "pest control", "food hygiene", "rats", "nuisance", "bonfire", "mice",
            "wasps nest",
        ],
        value: &[
            "report noise nuisance from neighbour",
            "book pest control visit - mice",
            "wasps nest, book treatment",
            "report rats in garden",
            "food hygiene rating query",
            "complaint about neighbours dog barking all day",
            "report bonfire smoke most evenings",
            "asked how to register a food business",
        ],
        failure: &[
            "pest control did not attend",
            "noise case closed without contact",
            "rats back after treatment",
            "diary sheets sent {w} wks ago no response",
        ],
    },
    Service {
        names: &[
            ("Planning", 6), ("Development Management", 2), ("Planning Applications", 2),
            ("Planning Enforcement", 1), ("Development Control", 1),
        ],
        weight: 3,
        subjects: &[
            "planning application", "planning app {p}", "extension", "enforcement case",
            "tree works", "pre-app", "building regs",
        ],
        value: &[
            "asked if planning needed for extension",
            "submit planning application",
            "pre-app advice request",
            "report building work without permission next door",
            "asked how to comment on planning app {p}",
            "request building control inspection",
        ],
        failure: &[
            "planning app {p} past 8 wk date, no decision",
            "comments not shown on website",
            "enforcement case, no update since {d}",
            "validation letter unclear",
        ],
    },
    Service {
        names: &[
            ("Registrars", 5), ("Register Office", 3), ("Births, Deaths & Marriages", 2),
            ("Registration Service", 2), ("Ceremonies", 1),
        ],
        weight: 3,
        subjects: &[
            "birth registration", "death registration", "wedding", "ceremony", "certificate",
            "citizenship ceremony", "copy certificate",
        ],
        value: &[
            "register birth",
            "book appt to register birth",
            "book wedding",
            "book death registration appt",
            "order copy birth cert",
            "book citizenship ceremony",
            "notice of marriage appt",
            "asked about ceremony fees, {a}",
        ],
        failure: &[
            "certificate has wrong spelling",
            "copy cert ordered {w} wks ago not rcvd",
            "appt double booked",
            "wedding booking lost",
        ],
    },
    Service {
        names: &[
            ("Licensing", 6), ("Taxi Licensing", 3), ("Premises Licensing", 1),
            ("Licensing Services", 1),
        ],
        weight: 2,
        subjects: &[
            "taxi licence", "premises licence", "TEN", "temporary event notice",
            "street trading licence", "licence renewal", "DBS check",
        ],
        value: &[
            "taxi licence renewal",
            "apply for premises licence",
            "TEN application",
            "asked about street trading licence",
            "book knowledge test",
            "how do I renew private hire licence",
        ],
        failure: &[
            "online form for TEN wont submit",
            "licence renewal paid but not issued",
            "licence app {w} wks, no decision",
            "wrong fee taken, {a} not {a}",
        ],
    },
    Service {
        names: &[
            ("Education", 4), ("School Admissions", 5), ("Admissions", 2), ("School Transport", 2),
            ("Free School Meals", 1), ("SEN", 1),
        ],
        weight: 4,
        subjects: &[
            "school place", "school admission", "in-year transfer", "school transport", "FSM",
            "free school meals", "EHCP", "admissions appeal",
        ],
        value: &[
            "apply for school place",
            "in-year transfer application",
            "apply for FSM",
            "asked about school transport eligibility",
            "how do I apply for reception place",
            "moving house, needs new school for Yr {n}",
        ],
        failure: &[
            "no acknowledgement of in-year transfer",
            "school transport didnt turn up",
            "EHCP past 20 wk deadline",
            "offer letter unclear",
            "FSM approved but school not told",
        ],
    },
    Service {
        names: &[
            ("Adult Social Care", 6), ("ASC", 2), ("Adult Services", 2), ("Social Care", 2),
            ("Occupational Therapy", 1), ("Careline", 1),
        ],
        weight: 5,
        subjects: &[
            "care assessment", "OT assessment", "care package", "carers assessment",
            "careline alarm", "care bill", "financial assessment",
        ],
        value: &[
            "request care assessment for mum",
            "OT referral - needs grab rails",
            "carers assessment request",
            "careline alarm install",
            "asked about home care options",
            "new referral from GP",
            "pay care bill {a}",
        ],
        failure: &[
            "OT assessment still waiting, referred {w} wks ago",
            "carers didnt turn up",
            "care bill wrong amount",
            "financial assessment letter not understood",
            "care package not started as promised",
        ],
    },
    Service {
        names: &[("Libraries", 5), ("Library", 3), ("Library Services", 2)],
        weight: 2,
        subjects: &[
            "library card", "book reservation", "PC booking", "library fine", "ebook account",
        ],
        value: &[
            "join the library",
            "renew books",
            "reserve a book",
            "book PC session",
            "asked opening hours of {c} library",
            "pay library fine {a}",
        ],
        failure: &[
            "charged for book already returned",
            "ebook login not working",
            "reservation lost",
        ],
    },
    Service {
        names: &[
            ("Street Cleansing", 4), ("Street Scene", 3), ("Fly Tipping", 2), ("Cleansing", 1),
        ],
        weight: 3,
        subjects: &[
            "fly tipping", "litter", "dog fouling", "graffiti", "street sweeping", "dumped rubbish",
        ],
        value: &[
            "report fly-tipping on {l}",
            "fly tipping - mattress dumped in alley behind {l}",
            "graffiti on bus shelter",
            "report dog fouling on {l}",
            "litter bin overflowing",
            "dead animal on road, {l}",
        ],
        failure: &[
            "fly tipping reported {w} wks ago still there",
            "graffiti still not removed",
            "street not swept again",
        ],
    },
    Service {
        names: &[("Customer Services", 3), ("Switchboard", 1), ("General Enquiries", 2)],
        weight: 3,
        subjects: &["enquiry", "general enquiry", "query", "contact details", "opening times"],
        value: &[
            "opening hours",
            "asked for number for {t}",
            "general enquiry re council services",
            "asked for address of council offices",
            "how do I contact my councillor",
        ],
        failure: &[
            "tfr from switchboard, wrong dept",
            "wrong dept - should be {x}",
            "cust passed round {n} depts",
            "couldnt get through on main number",
        ],
    },
];

/// A channel: its spellings, its weights in office hours (weekdays 08:00-17:59) and out
/// of hours, and the openers of agent notes taken through it.
struct Channel {
    names: &'static [(&'static str, u32)],
    office: u32,
    out_of_hours: u32,
    openers: &'static [&'static str],
}

#[rustfmt::skip]
const CHANNELS: &[Channel] = &[
    Channel {
        names: &[
            ("Phone", 30), ("Telephone", 25), ("Tel", 12), ("IVR", 5), ("Inbound Call", 5),
            ("PHONE", 3),
        ],
        office: 560,
        out_of_hours: 60,
        openers: &[
            "cust called", "Cust rang", "caller", "tel call from cust", "cust phoned",
            "cust on phone", "inbound call", "Caller", "rang in", "call from cust",
            "cust called in", "spoke to cust",
        ],
    },
    Channel {
        names: &[("Email", 30), ("E-mail", 15), ("email", 5)],
        office: 110,
        out_of_hours: 330,
        openers: &[
            "email from cust", "E-mail rcvd", "Email in", "cust emailed", "email rec'd",
            "emailed in",
        ],
    },
    Channel {
        names: &[("Web", 15), ("Webform", 12), ("Online", 12), ("Web Form", 4), ("Portal", 4)],
        office: 130,
        out_of_hours: 480,
        openers: &[
            "webform", "Web form submitted", "online form", "Web enquiry", "online enquiry",
            "portal request",
        ],
    },
    Channel {
        names: &[("Webchat", 10), ("Web Chat", 4), ("Chat", 3)],
        office: 70,
        out_of_hours: 40,
        openers: &["webchat", "Chat", "cust on webchat", "webchat session"],
    },
    Channel {
        names: &[
            ("Face to Face", 10), ("F2F", 8), ("Walk-in", 5), ("Reception", 3),
            ("One Stop Shop", 2),
        ],
        office: 70,
        out_of_hours: 0,
        openers: &[
            "cust came in", "walk-in", "Cust at reception", "F2F visit", "cust attended OSS",
            "visitor at front desk",
        ],
    },
    Channel {
        names: &[("Letter", 10), ("Post", 4)],
        office: 45,
        out_of_hours: 0,
        openers: &["letter rcvd", "Letter from cust", "post in", "letter scanned"],
    },
    Channel {
        names: &[("SMS", 8), ("Text", 4)],
        office: 15,
        out_of_hours: 90,
        openers: &["text from cust", "SMS in", "txt rcvd"],
    },
];

/// Failure cores that fit any service (about {s}), with weights by kind.
const FAILURE_GENERIC: &[(&str, u32)] = &[
    // progress-chasing
    ("chasing {s}", 6),
    ("cust chasing {s}, applied {w} wks ago", 4),
    ("still waiting for {s}", 4),
    ("any update on {s}? told {w} wks at the time", 3),
    ("was promised a cb re {s} on {y}, nobody rang", 3),
    ("chasing progress of {s}, ref {r}", 3),
    (
        "cust asking where {s} is up to, no reply to email sent {d}",
        2,
    ),
    ("following up {s}, no decision yet", 2),
    ("still not heard back re {s}", 3),
    ("cust says cb was promised within 48hrs, still waiting", 2),
    ("checking on {s} - been {w} wks", 2),
    // repeat
    ("3rd call re {s}", 3),
    ("{o} time cust has called about {s}", 3),
    ("rang last wk re {s}, still not sorted", 3),
    ("already reported {s} on {d}, calling again", 2),
    ("cust called yesterday re same issue", 2),
    ("cust has rung {n} times re {s}", 2),
    ("same issue as previous contact, ref {r}", 1),
    // not done right
    ("{s} not done", 2),
    ("nobody turned up on {d} as arranged", 2),
    ("job marked as completed but not done", 1),
    // clarification
    ("cant understand letter re {s}", 2),
    ("letter unclear, cust confused about {s}", 2),
    ("cust confused by letter rcvd {d}, explained {s}", 2),
    ("doesnt understand why {s} has changed", 1),
    // error correction
    ("wrong amount on {s} letter", 2),
    ("{s} letter sent in error", 1),
    ("wrong address on letter re {s}", 1),
    // complaint
    ("wants to complain about {s}", 3),
    ("cust unhappy with service re {s}", 2),
    ("complaint logged, stage 1, ref {r}", 2),
    ("cust very unhappy with how {s} has been handled", 1),
    ("complaint about rude staff member", 1),
    ("formal complaint - no response to previous emails", 1),
    // misdirected
    ("tfr from switchboard, wrong dept", 2),
    ("wrong dept - should be {x}", 2),
    ("cust passed round {n} depts re {s}", 1),
    ("cust given wrong number by {t}", 1),
    // channel failure
    ("website crashed when trying to pay", 2),
    ("online form crashed, cust gave up", 2),
    ("couldnt get through on phone, waited {m} mins", 2),
    ("webform wouldnt submit for {s}", 1),
    ("tried to pay online but site down", 1),
    ("emailed on {d}, no reply", 1),
    ("cust on hold {m} mins yesterday, line cut off", 1),
    ("portal wont let cust log in, error page", 1),
];

/// Failure cores for deliberate repeats: chasing and repeat kinds.
const FAILURE_REPEAT: &[&str] = &[
    "chasing {s}",
    "still waiting re {s}",
    "any update on {s}",
    "rang last wk re {s}, still not sorted",
    "2nd call re {s}",
    "{o} time cust has called about {s}",
    "called {y} re {s}, nothing has happened",
    "same issue as previous call, ref {r}",
    "was promised a cb re {s}, no cb rcvd",
    "following up {s}, nobody has been in touch",
    "cust calling again re {s}, missed again",
];

/// Value cores that fit any service.
const VALUE_GENERIC: &[&str] = &[
    "asked about {s}",
    "query re {s}",
    "info re {s}",
    "new request - {s}",
    "asked for info on {s}, sent link",
    "opening hours",
    "asked for office address",
    "eligibility query re {s}",
    "how do I apply for {s}",
    "general query re {s}, dealt with",
];

/// Detail fragments fit for any note.
const DETAIL_NEUTRAL: &[&str] = &[
    "adv {w} wks",
    "ref {r}",
    "cb requested",
    "adv cust to check online",
    "acct {r}",
    "confirmed address & DOB",
    "postcode checked",
    "gave ref no",
    "email sent with link",
    "logged on CRM",
    "passed to back office",
    "awaiting docs",
    "details taken",
    "SR raised, ref {r}",
    "case notes updated",
    "info on website",
    "adv {n} working days",
    "cust to send proof",
    "copy sent by email",
    "DPA passed",
    "DPA checks done",
    "tfr to {t}",
    "appt made for {f}",
    "cust given direct line for {t}",
    "spoke to daughter on cust's behalf",
    "interpreter used",
    "cust hard of hearing",
    "elderly cust",
    "NFA",
    "re {s}",
    "cust lives at no. {h} {l}",
    "adv re {s}",
    "cust says {s} is urgent",
    "see notes on acct",
    "property on {l}, {c}",
    "cust works nights, call after 2pm",
    "emailed {t}",
    "cust on mobile",
];

/// Detail fragments for value-demand notes.
const DETAIL_VALUE: &[&str] = &[
    "pymt of {a} taken",
    "confirmation email sent",
    "form sent",
    "eligibility checked",
    "appt booked {f} am",
    "to be done within {n} working days",
    "adv of charge {a}",
    "claim form issued",
    "docs needed: ID, proof of address",
    "adv cust to apply online",
    "receipt no {r}",
    "cust happy with this",
    "resolved at first point of contact",
    "will call back if needed",
    "new request logged",
    "cust ok with outcome",
    "link to online form sent",
];

/// Detail fragments for failure-demand notes.
const DETAIL_FAILURE: &[&str] = &[
    "cust frustrated",
    "cust v annoyed",
    "cust upset",
    "previous ref {r}",
    "escalated to team leader",
    "apologised to cust",
    "cust says this is not good enough",
    "3rd time this month",
    "emailed {t} to chase",
    "raised with supervisor",
    "cust wants a cb today",
    "promised cb within 24hrs",
    "cust says \"nobody has been out\"",
    "o/s since {d}",
    "cust has called {n} times",
    "still no response from {t}",
    "cust wants it in writing this time",
];

/// Cores of vague notes with no demand signal (a small share of value rows).
const VAGUE: &[&str] = &[
    "cust called re {s}, dealt with",
    "see attached",
    "as per email",
    "call dropped",
    "cust called, info given",
    "enquiry re {s}",
];

const SEPARATORS: &[(&str, u32)] = &[
    (", ", 50),
    (". ", 18),
    (" - ", 15),
    ("; ", 6),
    (" / ", 4),
    (". ", 4),
    (" ", 3),
];

const OPENER_JOINS: &[(&str, u32)] = &[(", ", 5), (" - ", 3), (": ", 3), (". ", 1)];

#[rustfmt::skip]
const TEAMS: &[&str] = &[
    "revs team", "HB team", "back office", "team leader", "duty officer", "repairs desk",
    "highways team", "the service", "waste team", "supervisor", "CTR team", "EH officer",
];
#[rustfmt::skip]
const ORGS: &[&str] = &[
    "NHS", "DWP", "the county council", "police", "the housing association", "Royal Mail",
    "the water company", "HMRC", "the GP", "the landlord", "Highways England",
];
#[rustfmt::skip]
const DAY_WORDS: &[&str] = &[
    "Mon", "Tues", "Weds", "Thurs", "Fri", "monday", "friday", "yesterday", "last wk",
    "this morning", "Sat",
];
#[rustfmt::skip]
const NEXT_DAYS: &[&str] = &[
    "Mon", "Tues", "Weds", "Thurs", "Fri", "monday", "thursday", "tomorrow", "next wk",
];
const ORDINALS: &[&str] = &["2nd", "3rd", "4th", "5th", "3rd", "2nd"];
#[rustfmt::skip]
const STREET_NAMES: &[&str] = &[
    "Church", "Station", "Mill", "Victoria", "Park", "High", "Oak", "Manor", "Queens", "Albert",
    "Green", "Chapel", "Windsor", "Rowan", "Beech", "York",
];
#[rustfmt::skip]
const STREET_KINDS: &[&str] = &[
    "Road", "Street", "Lane", "Avenue", "Close", "Drive", "Rd", "St", "Way", "Crescent",
];
#[rustfmt::skip]
const PLACES: &[&str] = &[
    "Northfield", "Eastgate", "Westbury", "the town centre", "Hillside", "Riverside", "Moorend",
    "Brookfield", "the estate",
];
const WAITS: &[&str] = &["20", "30", "40", "45", "50", "60", "90"];
const PLANNING_KINDS: &[&str] = &["FUL", "HOU", "OUT", "TPO", "LBC"];

// ---------------------------------------------------------------------------------------
// Random choices
// ---------------------------------------------------------------------------------------

/// Every random choice: one ChaCha8 stream, integer arithmetic and exactly rounded floats.
struct Rand(ChaCha8Rng);

impl Rand {
    /// A number in `0..n` (multiply-shift; the bias is below 2^-32 * n, immaterial here).
    fn below(&mut self, n: u32) -> u32 {
        ((u64::from(self.0.next_u32()) * u64::from(n)) >> 32) as u32
    }

    /// A uniform number in [0, 1) with 53 bits.
    fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u32) as usize]
    }
}

/// A weighted choice among a fixed set.
struct Weighted<T> {
    items: Vec<T>,
    cumulative: Vec<u32>,
}

impl<T: Copy> Weighted<T> {
    fn new(entries: impl IntoIterator<Item = (T, u32)>) -> Self {
        let mut items = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0u32;
        for (item, weight) in entries {
            if weight == 0 {
                continue;
            }
            total += weight;
            items.push(item);
            cumulative.push(total);
        }
        assert!(total > 0, "a weighted table needs a positive weight");
        Weighted { items, cumulative }
    }

    fn sample(&self, rng: &mut Rand) -> T {
        let total = *self.cumulative.last().expect("non-empty");
        let x = rng.below(total);
        let i = self.cumulative.partition_point(|&c| c <= x);
        self.items[i]
    }
}

// ---------------------------------------------------------------------------------------
// Calendar
// ---------------------------------------------------------------------------------------

/// (year, month, day) of a day counted from 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Days from 1970-01-01 to a date (inverse of `civil_from_days`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from(if m > 2 { m - 3 } else { m + 9 });
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

struct Day {
    /// `dd/mm/yyyy`
    date: String,
    weekend: bool,
}

/// The log's days, with a little room past the end for `--size` estimates that fall short.
fn calendar() -> Vec<Day> {
    let start = days_from_civil(START_YEAR, 4, 1);
    (0..i64::from(DAYS) + 31)
        .map(|i| {
            let (y, m, d) = civil_from_days(start + i);
            // 1970-01-01 was a Thursday: 0 = Thursday, 2 = Saturday, 3 = Sunday.
            let weekday = (start + i).rem_euclid(7);
            Day {
                date: format!("{d:02}/{m:02}/{y}"),
                weekend: weekday == 2 || weekday == 3,
            }
        })
        .collect()
}

/// How contacts spread over the hours of a day.
struct DayProfile {
    /// Cumulative weights of the 24 hours.
    cumulative: [u32; 24],
}

impl DayProfile {
    fn new(hours: [u32; 24]) -> Self {
        let mut cumulative = [0; 24];
        let mut total = 0;
        for (c, h) in cumulative.iter_mut().zip(hours) {
            total += h;
            *c = total;
        }
        DayProfile { cumulative }
    }

    /// The minute of the day at a fraction (0..1) of the day's contacts.
    fn minute_at(&self, fraction: f64) -> u32 {
        let total = f64::from(self.cumulative[23]);
        let t = fraction * total;
        let hour = self
            .cumulative
            .partition_point(|&c| f64::from(c) <= t)
            .min(23);
        let before = if hour == 0 {
            0
        } else {
            self.cumulative[hour - 1]
        };
        let width = f64::from(self.cumulative[hour] - before);
        let minute = (((t - f64::from(before)) / width) * 60.0) as u32;
        hour as u32 * 60 + minute.min(59)
    }
}

// ---------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
struct Recent {
    customer: u32,
    service: u8,
    minute: u32,
}

#[derive(Default)]
struct Stats {
    rows: u64,
    bytes: u64,
    note_bytes: u64,
    failure: u64,
    repeats: u64,
    anonymous: u64,
    newlines: u64,
    quotes: u64,
}

struct Gen {
    rng: Rand,
    days: Vec<Day>,
    /// Cumulative day weights (weekends quieter), to map row fractions to days.
    day_cumulative: Vec<u32>,
    weekday_hours: DayProfile,
    weekend_hours: DayProfile,
    services: Weighted<u8>,
    service_names: Vec<Weighted<&'static str>>,
    channels_office: Weighted<u8>,
    channels_out_of_hours: Weighted<u8>,
    channel_names: Vec<Weighted<&'static str>>,
    failure_generic: Weighted<&'static str>,
    separators: Weighted<&'static str>,
    opener_joins: Weighted<&'static str>,
    /// Probability that a contact which is not a deliberate repeat expresses failure.
    failure_fresh: f64,
    ring: Vec<Recent>,
    ring_len: usize,
    ring_head: usize,
    /// Rows expected in about 12 days, the reach of a repeat.
    repeat_reach: u32,
    expected_rows: u64,
    next_id: u64,
    // Reused buffers.
    id: String,
    when: String,
    customer: String,
    note: String,
    subject: String,
    scratch: String,
    stats: Stats,
}

impl Gen {
    fn new(seed: u64, expected_rows: u64) -> Self {
        let days = calendar();
        let mut total = 0u32;
        let day_cumulative = days[..DAYS as usize]
            .iter()
            .map(|d| {
                total += if d.weekend { 7 } else { 20 };
                total
            })
            .collect();
        // Contacts by hour: on weekdays mostly office hours, at weekends spread out.
        let weekday_hours = DayProfile::new([
            1, 1, 1, 1, 1, 1, 2, 4, 60, 110, 120, 110, 85, 95, 100, 90, 80, 70, 10, 9, 8, 7, 5, 3,
        ]);
        let weekend_hours = DayProfile::new([
            2, 1, 1, 1, 1, 2, 3, 5, 8, 10, 11, 11, 10, 10, 9, 9, 8, 8, 8, 8, 7, 6, 4, 3,
        ]);
        let failure_fresh =
            (FAILURE_SHARE - REPEAT_SHARE * FAILURE_ON_REPEAT) / (1.0 - REPEAT_SHARE);
        Gen {
            rng: Rand(ChaCha8Rng::seed_from_u64(seed)),
            days,
            day_cumulative,
            weekday_hours,
            weekend_hours,
            services: Weighted::new(
                SERVICES
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (i as u8, s.weight)),
            ),
            service_names: SERVICES
                .iter()
                .map(|s| Weighted::new(s.names.iter().copied()))
                .collect(),
            channels_office: Weighted::new(
                CHANNELS
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (i as u8, c.office)),
            ),
            channels_out_of_hours: Weighted::new(
                CHANNELS
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (i as u8, c.out_of_hours)),
            ),
            channel_names: CHANNELS
                .iter()
                .map(|c| Weighted::new(c.names.iter().copied()))
                .collect(),
            failure_generic: Weighted::new(FAILURE_GENERIC.iter().copied()),
            separators: Weighted::new(SEPARATORS.iter().copied()),
            opener_joins: Weighted::new(OPENER_JOINS.iter().copied()),
            failure_fresh,
            ring: vec![
                Recent {
                    customer: 0,
                    service: 0,
                    minute: 0
                };
                RING
            ],
            ring_len: 0,
            ring_head: 0,
            repeat_reach: (expected_rows * 12 / u64::from(DAYS)).clamp(1, RING as u64) as u32,
            expected_rows: expected_rows.max(1),
            next_id: 1_000_000,
            id: String::with_capacity(16),
            when: String::with_capacity(16),
            customer: String::with_capacity(16),
            note: String::with_capacity(2 * NOTE_MAX),
            subject: String::with_capacity(64),
            scratch: String::with_capacity(2 * NOTE_MAX),
            stats: Stats::default(),
        }
    }

    /// The day and minute of row `i`. Rows follow the calendar (weekdays busier than
    /// weekends, office hours busier than nights) in order; 27% are nudged by up to 20
    /// minutes (written up after the call) and 3% are logged one to three days late.
    fn when_of(&mut self, i: u64) -> (u32, u32) {
        let total = *self.day_cumulative.last().expect("days");
        let position = i as f64 * f64::from(total) / self.expected_rows as f64;
        let (day, fraction) = if position >= f64::from(total) {
            // More rows than expected (--size): go on past the year at the same pace.
            let extra = (position - f64::from(total)) / 20.0;
            (DAYS + extra as u32, extra.fract())
        } else {
            let day = self
                .day_cumulative
                .partition_point(|&c| f64::from(c) <= position);
            let before = if day == 0 {
                0
            } else {
                self.day_cumulative[day - 1]
            };
            let width = f64::from(self.day_cumulative[day] - before);
            (day as u32, (position - f64::from(before)) / width)
        };
        let mut day = day.min(self.days.len() as u32 - 1);
        let profile = if self.days[day as usize].weekend {
            &self.weekend_hours
        } else {
            &self.weekday_hours
        };
        let mut minute = profile.minute_at(fraction);
        let r = self.rng.unit();
        if r < 0.03 {
            day = day.saturating_sub(1 + self.rng.below(3));
        } else if r < 0.30 {
            let nudged = i64::from(minute) - 20 + i64::from(self.rng.below(41));
            minute = nudged.clamp(0, 1439) as u32;
        }
        (day, minute)
    }

    /// A recent contact within the repeat window before `minute`, if one is found.
    fn recent_before(&mut self, minute: u32) -> Option<Recent> {
        let reach = (self.repeat_reach as usize).min(self.ring_len);
        if reach == 0 {
            return None;
        }
        for _ in 0..4 {
            // Skewed towards the most recent contacts: the median is a quarter of the reach.
            let u = self.rng.unit();
            let back = 1 + ((u * u) * reach as f64) as usize;
            let back = back.min(reach);
            let r = self.ring[(self.ring_head + RING - back) % RING];
            if r.minute < minute && minute - r.minute <= REPEAT_WINDOW_MIN {
                return Some(r);
            }
        }
        None
    }

    fn remember(&mut self, r: Recent) {
        self.ring[self.ring_head] = r;
        self.ring_head = (self.ring_head + 1) % RING;
        self.ring_len = (self.ring_len + 1).min(RING);
    }

    fn fresh_customer(&mut self) -> u32 {
        if self.rng.chance(FREQUENT_SHARE) {
            // Skewed, density falling as index^(-1/3): the first 1% of the pool gets 4.6%
            // of these contacts, the most frequent customer about 180 a year in a 1 GB log.
            // (`sqrt` is correctly rounded in IEEE 754, so this is the same everywhere.)
            let u = self.rng.unit();
            ((u * u.sqrt()) * f64::from(CUSTOMERS)) as u32
        } else {
            self.rng.below(CUSTOMERS)
        }
    }

    /// Writes one row's fields into the buffers and returns (channel name, service name).
    fn row(&mut self, i: u64) -> (&'static str, &'static str) {
        // Contact ID, in the style of a CRM case number: a rising number with gaps where
        // cases were merged or deleted, and a random check suffix.
        if self.rng.chance(0.02) {
            self.next_id += u64::from(self.rng.below(5));
        }
        self.next_id += 1;
        self.id.clear();
        let _ = write!(self.id, "CAS-{:07}-", self.next_id);
        for _ in 0..6 {
            let x = self.rng.below(36) as u8;
            self.id
                .push(char::from(if x < 10 { b'0' + x } else { b'A' + x - 10 }));
        }

        let (day, tod) = self.when_of(i);
        let office_hours = !self.days[day as usize].weekend && (8 * 60..18 * 60).contains(&tod);
        let channel = if office_hours {
            self.channels_office.sample(&mut self.rng)
        } else {
            self.channels_out_of_hours.sample(&mut self.rng)
        } as usize;
        let minute = day * 1440 + tod;
        self.when.clear();
        let _ = write!(
            self.when,
            "{} {:02}:{:02}",
            self.days[day as usize].date,
            tod / 60,
            tod % 60
        );

        let repeat = if self.rng.chance(REPEAT_SHARE) {
            self.recent_before(minute)
        } else {
            None
        };
        let (customer, service) = match repeat {
            Some(r) => (Some(r.customer), r.service as usize),
            None => {
                let service = self.services.sample(&mut self.rng) as usize;
                let customer = if self.rng.chance(ANONYMOUS_SHARE) {
                    None
                } else {
                    Some(self.fresh_customer())
                };
                (customer, service)
            }
        };
        self.customer.clear();
        match customer {
            Some(c) => {
                // A bijection of 0..10^7 (the multiplier is coprime with 10^7), so refs
                // look scattered but stay distinct.
                let reference = (u64::from(c) * 7_368_787 + 1_234_567) % 10_000_000;
                let _ = write!(self.customer, "CR{reference:07}");
                self.remember(Recent {
                    customer: c,
                    service: service as u8,
                    minute,
                });
            }
            None => self.stats.anonymous += 1,
        }

        let failure = if repeat.is_some() {
            self.stats.repeats += 1;
            self.rng.chance(FAILURE_ON_REPEAT)
        } else {
            self.rng.chance(self.failure_fresh)
        };
        self.stats.failure += u64::from(failure);
        self.build_note(service, channel, day, failure, repeat.is_some());

        let channel_name = self.channel_names[channel].sample(&mut self.rng);
        let service_name = self.service_names[service].sample(&mut self.rng);
        (channel_name, service_name)
    }

    fn build_note(
        &mut self,
        service: usize,
        channel: usize,
        day: u32,
        failure: bool,
        repeat: bool,
    ) {
        let svc = &SERVICES[service];
        let subject_tpl = self.rng.pick(svc.subjects);
        // The subject may hold a placeholder itself ("repair job {r}"): expand it once.
        let mut subject_buf = std::mem::take(&mut self.subject);
        subject_buf.clear();
        let subject: &str = if subject_tpl.contains('{') {
            self.expand_into(subject_tpl, "", day, &mut subject_buf);
            &subject_buf
        } else {
            subject_tpl
        };
        // Target length: the last fragment overshoots it by about 12 bytes on average.
        let mut target = TARGET_BASE
            + (self.rng.below(TARGET_SPREAD)
                + self.rng.below(TARGET_SPREAD)
                + self.rng.below(TARGET_SPREAD)) as usize;
        if self.rng.chance(0.1) {
            // A tail of long, detailed notes.
            target += 40 + self.rng.below(40) as usize;
        }
        let newline = self.rng.chance(NEWLINE_SHARE);
        let mut newline_pending = newline;

        let mut note = std::mem::take(&mut self.note);
        note.clear();
        if self.rng.chance(0.6) {
            note.push_str(self.rng.pick(CHANNELS[channel].openers));
            note.push_str(self.opener_joins.sample(&mut self.rng));
        }
        let core = if failure {
            if repeat && self.rng.chance(0.7) {
                self.rng.pick(FAILURE_REPEAT)
            } else if self.rng.chance(0.45) {
                self.rng.pick(svc.failure)
            } else {
                self.failure_generic.sample(&mut self.rng)
            }
        } else if self.rng.chance(0.03) {
            self.rng.pick(VAGUE)
        } else if self.rng.chance(0.82) {
            self.rng.pick(svc.value)
        } else {
            self.rng.pick(VALUE_GENERIC)
        };
        self.expand_into(core, subject, day, &mut note);

        // Details until the target length, each fragment at most once per note.
        let mut used: [&str; 8] = [""; 8];
        let mut tries = 0;
        while note.len() < target && tries < used.len() {
            let fragment = if failure && self.rng.chance(0.35) {
                self.rng.pick(DETAIL_FAILURE)
            } else if !failure && self.rng.chance(0.3) {
                self.rng.pick(DETAIL_VALUE)
            } else {
                self.rng.pick(DETAIL_NEUTRAL)
            };
            if used[..tries].contains(&fragment) {
                tries += 1;
                continue;
            }
            used[tries] = fragment;
            tries += 1;
            let mut scratch = std::mem::take(&mut self.scratch);
            scratch.clear();
            self.expand_into(fragment, subject, day, &mut scratch);
            let separator = if newline_pending {
                if self.rng.chance(0.25) {
                    "\r\n"
                } else {
                    "\n"
                }
            } else {
                self.separators.sample(&mut self.rng)
            };
            if note.len() + separator.len() + scratch.len() <= NOTE_MAX {
                note.push_str(separator);
                note.push_str(&scratch);
                newline_pending = false;
            }
            self.scratch = scratch;
        }
        if note.len() < NOTE_MIN {
            note.push_str(", adv cust, no further action needed");
        }
        if newline_pending {
            // Room is left: every core and opener together stay well under NOTE_MAX - 5.
            note.push_str("\nNFA");
        }
        if self.rng.chance(0.12) && note.len() < NOTE_MAX {
            note.push('.');
        }
        if self.rng.chance(0.02) {
            note.make_ascii_uppercase();
        } else if self.rng.chance(0.35) {
            if let Some(first) = note.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
        }
        debug_assert!(note.len() >= NOTE_MIN && note.len() <= NOTE_MAX, "{note:?}");
        self.stats.newlines += u64::from(newline);
        self.stats.quotes += u64::from(note.contains('"'));
        self.note = note;
        self.subject = subject_buf;
    }

    /// Expands a template's placeholders into `out`.
    fn expand_into(&mut self, template: &str, subject: &str, day: u32, out: &mut String) {
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = open + rest[open..].find('}').expect("unclosed placeholder");
            let key = &rest[open + 1..close];
            rest = &rest[close + 1..];
            let rng = &mut self.rng;
            let _ = match key {
                "s" => {
                    out.push_str(subject);
                    Ok(())
                }
                "n" => write!(out, "{}", 2 + rng.below(8)),
                "w" => write!(out, "{}", 2 + rng.below(7)),
                "d" => {
                    let back = 1 + rng.below(40);
                    let d = day.saturating_sub(back) as usize;
                    out.push_str(&self.days[d].date[..5]);
                    Ok(())
                }
                "y" => {
                    out.push_str(rng.pick(DAY_WORDS));
                    Ok(())
                }
                "f" => {
                    out.push_str(rng.pick(NEXT_DAYS));
                    Ok(())
                }
                "r" => write!(out, "{}", 1_000_000 + rng.below(9_000_000)),
                "a" => {
                    if rng.chance(0.5) {
                        write!(out, "£{}", 5 + rng.below(400))
                    } else {
                        write!(out, "£{}.{:02}", 5 + rng.below(1500), rng.below(100))
                    }
                }
                "o" => {
                    out.push_str(rng.pick(ORDINALS));
                    Ok(())
                }
                "x" => {
                    out.push_str(rng.pick(ORGS));
                    Ok(())
                }
                "t" => {
                    out.push_str(rng.pick(TEAMS));
                    Ok(())
                }
                "h" => write!(out, "{}", 1 + rng.below(150)),
                "m" => {
                    out.push_str(rng.pick(WAITS));
                    Ok(())
                }
                "g" => {
                    let l = |x: u32| char::from(b'A' + x as u8);
                    let (a, b) = (rng.below(26), rng.below(26));
                    let year = 10 + rng.below(15);
                    let (c, d, e) = (rng.below(26), rng.below(26), rng.below(26));
                    write!(out, "{}{}{year} {}{}{}", l(a), l(b), l(c), l(d), l(e))
                }
                "p" => {
                    let year = 23 + rng.below(3);
                    let number = rng.below(5000);
                    let kind = rng.pick(PLANNING_KINDS);
                    write!(out, "{year}/{number:05}/{kind}")
                }
                "l" => {
                    let name = rng.pick(STREET_NAMES);
                    let kind = rng.pick(STREET_KINDS);
                    write!(out, "{name} {kind}")
                }
                "c" => {
                    out.push_str(rng.pick(PLACES));
                    Ok(())
                }
                other => panic!("unknown placeholder {{{other}}} in {template:?}"),
            };
        }
        out.push_str(rest);
    }
}

/// Bytes a field takes in the CSV: quoted when it holds a comma, quote, CR or LF, with
/// quotes doubled (what `csv` does with `QuoteStyle::Necessary`).
fn csv_len(field: &str) -> u64 {
    let bytes = field.as_bytes();
    let quotes = bytes.iter().filter(|&&b| b == b'"').count();
    let needs = quotes > 0 || bytes.iter().any(|&b| matches!(b, b',' | b'\r' | b'\n'));
    (bytes.len() + if needs { 2 + quotes } else { 0 }) as u64
}

fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size such as 1GB, 500MB or 1048576"))?;
    let unit_bytes: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit {other:?} (use B, KB, MB, GB, KiB, MiB, GiB)"
            ))
        }
    };
    let bytes = (number * unit_bytes as f64).round();
    if bytes < 1.0 {
        return Err("the size must be at least one byte".to_string());
    }
    Ok(bytes as u64)
}

fn run(args: &Args, sink: Box<dyn Write>) -> Result<Stats, csv::Error> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .buffer_capacity(1 << 20)
        .from_writer(sink);

    let (limit_rows, limit_bytes) = match (args.rows, args.size) {
        (Some(rows), _) => (rows, u64::MAX),
        (None, Some(size)) => (u64::MAX, size),
        (None, None) => unreachable!("clap requires --rows or --size"),
    };
    let expected_rows = if limit_rows == u64::MAX {
        limit_bytes.div_ceil(BYTES_PER_ROW)
    } else {
        limit_rows
    };

    let mut gen = Gen::new(args.seed, expected_rows);
    out.write_record(HEADER)?;
    gen.stats.bytes = HEADER.iter().map(|h| csv_len(h)).sum::<u64>() + HEADER.len() as u64 + 1;
    let mut i = 0;
    while i < limit_rows && gen.stats.bytes < limit_bytes {
        let (channel, service) = gen.row(i);
        let fields = [
            gen.id.as_str(),
            gen.when.as_str(),
            channel,
            service,
            gen.customer.as_str(),
            gen.note.as_str(),
        ];
        out.write_record(fields)?;
        // Five commas and CRLF.
        gen.stats.bytes += fields.iter().map(|f| csv_len(f)).sum::<u64>() + 7;
        gen.stats.note_bytes += gen.note.len() as u64;
        gen.stats.rows += 1;
        i += 1;
    }
    out.flush()?;
    Ok(gen.stats)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let started = Instant::now();
    let sink: Box<dyn Write> = match &args.output {
        Some(path) if path.as_os_str() != "-" => match File::create(path) {
            Ok(file) => Box::new(file),
            Err(err) => {
                eprintln!("generate: cannot create {}: {err}", path.display());
                return ExitCode::from(2);
            }
        },
        _ => Box::new(io::stdout().lock()),
    };
    match run(&args, sink) {
        Ok(stats) => {
            if !args.quiet {
                let secs = started.elapsed().as_secs_f64();
                let rows = stats.rows.max(1) as f64;
                let pct = |n: u64| 100.0 * n as f64 / rows;
                eprintln!(
                    "generate: {} rows, {} bytes ({:.1} bytes/row, notes {:.1} bytes/row) in {:.2} s ({:.0} MB/s); \
                     failure notes {:.1}%, deliberate repeats {:.1}%, anonymous {:.1}%, \
                     notes with a line break {:.2}%, with quotes {:.1}%",
                    stats.rows,
                    stats.bytes,
                    stats.bytes as f64 / rows,
                    stats.note_bytes as f64 / rows,
                    secs,
                    stats.bytes as f64 / 1e6 / secs.max(1e-9),
                    pct(stats.failure),
                    pct(stats.repeats),
                    pct(stats.anonymous),
                    pct(stats.newlines),
                    pct(stats.quotes),
                );
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            if let csv::ErrorKind::Io(io_err) = err.kind() {
                if io_err.kind() == io::ErrorKind::BrokenPipe {
                    // `generate | head`: the reader has all it wanted.
                    return ExitCode::SUCCESS;
                }
            }
            eprintln!("generate: {err}");
            ExitCode::from(2)
        }
    }
}
