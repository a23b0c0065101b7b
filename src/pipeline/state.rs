//! The scan's bookkeeping: one [`SymbolState`] per scanned symbol, in watchlist order, behind a
//! mutex in the [`Board`]. Every stage moves symbols forward; a symbol leaves the pipeline exactly
//! once, as rejected or as an error, or reaches the end still `Active` and becomes a candidate or is
//! rejected by the final filters. That is what makes conservation hold by construction.
//!
//! A decision is final: a rejection (a failure on known data) or an error is never undone, and
//! writes to a symbol that has left the pipeline change nothing. When the scan stops early (the
//! `--timeout` budget, Ctrl-C), [`Board::halt`] marks the symbols still moving as `Halted`; the
//! report then decides each from what is known (a failure on known data still rejects, every filter
//! known and passing is still a candidate) and only the undecided ones become errors.

use crate::model::{RejectStage, Stage, SymbolFields};
use crate::symbol::AssetClass;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// Where a symbol is.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Still moving; the stage it is in.
    Active(Stage),
    /// Failed a filter at `stage`.
    Rejected {
        stage: RejectStage,
        reasons: Vec<String>,
    },
    /// Could not be evaluated: `error` says what could not be had and why; `unknown` lists the
    /// filters left unknown (with their reasons), when it got as far as a filter.
    Error {
        stage: Stage,
        error: String,
        unknown: Vec<String>,
    },
    /// Still moving when the scan stopped: `at` the stage it was in, `kind` is `timeout` or
    /// `interrupted`, `reason` the message.
    Halted {
        at: Stage,
        kind: Stage,
        reason: String,
    },
}

/// One symbol's state.
#[derive(Debug, Clone)]
pub struct SymbolState {
    pub symbol: String,
    pub class: AssetClass,
    pub fields: SymbolFields,
    pub status: Status,
    /// Futures: the front (active-month) contract, e.g. `/ESZ6`, and its streamer symbol.
    pub front_contract: Option<String>,
    pub streamer_symbol: Option<String>,
    /// The service's own HV30 and HV90 (`/market-metrics`), used only to predict whether the
    /// symbol will pass the candle-based filters, so its chain can be fetched early.
    pub service_hv: (Option<f64>, Option<f64>),
    /// Whether the candle-based filters passed (set when the candles are computed).
    pub candles_passed: Option<bool>,
    /// Notes from the chain and quote fetches; kept only for symbols whose candles passed (a
    /// chain fetched early for a symbol that then failed is not part of its record, so that the
    /// document does not depend on timing).
    pub chain_notes: Vec<String>,
    /// Implausible values of the chain and its quotes; settled like `chain_notes`.
    pub chain_warnings: Vec<crate::model::Warning>,
}

impl SymbolState {
    pub fn is_active(&self) -> bool {
        matches!(self.status, Status::Active(_))
    }

    /// Move to `stage` if still active.
    pub fn advance(&mut self, stage: Stage) {
        if self.is_active() {
            self.status = Status::Active(stage);
        }
    }

    /// Settle the chain-derived fields: kept when the candles passed (or with `--show-all`),
    /// dropped when they failed, so a rejected record never depends on whether its chain happened
    /// to be fetched early.
    pub fn settle_chain_fields(&mut self, show_all: bool) {
        if self.candles_passed == Some(false) && !show_all {
            let f = &mut self.fields;
            f.expiration = None;
            f.dte = None;
            f.atm_strike = None;
            f.straddle_mid = None;
            f.slippage = None;
            self.chain_notes.clear();
            self.chain_warnings.clear();
        }
        self.fields.notes.append(&mut self.chain_notes);
        self.fields.warnings.append(&mut self.chain_warnings);
    }

    /// Mark an error, unless the symbol already left the pipeline.
    pub fn fail(&mut self, stage: Stage, error: impl Into<String>) {
        self.fail_unknown(stage, error, Vec::new());
    }

    /// Mark an error with the filters it left unknown, unless the symbol already left the pipeline.
    pub fn fail_unknown(&mut self, stage: Stage, error: impl Into<String>, unknown: Vec<String>) {
        if self.is_active() {
            self.status = Status::Error {
                stage,
                error: error.into(),
                unknown,
            };
        }
    }

    /// Mark a rejection, unless the symbol already left the pipeline.
    pub fn reject(&mut self, stage: RejectStage, reasons: Vec<String>) {
        if self.is_active() {
            self.status = Status::Rejected { stage, reasons };
        }
    }
}

/// All symbols of a scan.
pub struct Board {
    states: Mutex<Vec<SymbolState>>,
    index: HashMap<String, usize>,
}

impl Board {
    pub fn new(symbols: &[String]) -> Board {
        let states = symbols
            .iter()
            .map(|s| {
                let class = crate::symbol::classify(s);
                SymbolState {
                    symbol: s.clone(),
                    class,
                    fields: SymbolFields {
                        asset_class: Some(class),
                        ..SymbolFields::default()
                    },
                    status: Status::Active(Stage::Load),
                    front_contract: None,
                    streamer_symbol: None,
                    service_hv: (None, None),
                    candles_passed: None,
                    chain_notes: Vec::new(),
                    chain_warnings: Vec::new(),
                }
            })
            .collect();
        let index = symbols
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i))
            .collect();
        Board {
            states: Mutex::new(states),
            index,
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, Vec<SymbolState>> {
        self.states.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn index_of(&self, symbol: &str) -> Option<usize> {
        self.index.get(symbol).copied()
    }

    /// Apply `f` to one symbol's state.
    pub fn with<R>(&self, i: usize, f: impl FnOnce(&mut SymbolState) -> R) -> R {
        f(&mut self.lock()[i])
    }

    /// Indices of the symbols still active.
    pub fn active(&self) -> Vec<usize> {
        self.lock()
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_active())
            .map(|(i, _)| i)
            .collect()
    }

    /// Mark every active symbol as an error at its current stage (a failure that stops the scan).
    pub fn fail_active(&self, error: &str) {
        for s in self.lock().iter_mut() {
            if let Status::Active(stage) = s.status {
                s.fail(stage, error.to_string());
            }
        }
    }

    /// The scan stopped early (`kind`: `timeout` or `interrupted`): every active symbol is halted
    /// where it is, to be decided by the report from what is known.
    pub fn halt(&self, kind: Stage, reason: &str) {
        for s in self.lock().iter_mut() {
            if let Status::Active(at) = s.status {
                s.status = Status::Halted {
                    at,
                    kind,
                    reason: reason.to_string(),
                };
            }
        }
    }
}
