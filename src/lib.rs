//! `demand` measures failure demand in contact-centre logs.
//!
//! The engine reads exported contact logs ([`input`]), maps their columns to logical
//! fields ([`columns`]), classifies every contact as value or failure demand with rules
//! read from TOML ([`rules`], compiled by [`classify`]), tallies the results
//! ([`summary`]) and renders reports ([`report`]; charts for the HTML page in [`html`]
//! and [`svg`]). [`pipeline`] ties these together in
//! parallel while keeping rows in input order. The command-line interface in `main.rs`
//! is a thin layer over this crate.
#![forbid(unsafe_code)]

pub mod classify;
pub mod columns;
pub mod duplicates;
pub mod error;
pub mod evaluate;
pub mod examples;
pub mod explain;
pub mod html;
pub mod input;
pub mod jsonl;
pub mod lint;
pub mod ngrams;
pub mod output;
pub mod period;
pub mod phrases;
pub mod pipeline;
pub mod repeat;
pub mod report;
pub mod rule_stats;
pub mod rules;
pub mod sample;
pub mod show;
pub mod spreadsheet;
pub mod starter;
pub mod stats;
pub mod summary;
pub mod svg;
pub mod text;
pub mod timestamp;

pub use error::{Error, Result};
