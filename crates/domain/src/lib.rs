//! Waspada's domain model: the records an immigration office keeps about travellers, and the rules
//! that decide whether a record is well-formed.
//!
//! Main types: [`Person`], [`TravelDocument`], [`PassportApplication`], [`Crossing`] and
//! [`WatchlistEntry`], built from small validated values ([`PartialDate`], [`FullName`],
//! [`PhoneNumber`], [`CountryCode`], [`DocumentNumber`]) and the NIK from `waspada-nik`.
//!
//! Why this shape: every constructor validates, so a value of these types is always well-formed and
//! the crates above never re-check. The crate does no I/O. Its types derive `serde` only because
//! `waspada-store` uses that encoding inside sealed (encrypted) payloads; the wire formats (HTTP
//! JSON, CSV) are defined by their own crates and converted by hand at the edge.
//!
//! Personal values (names, NIK, phones, document numbers) have a redacting `Debug` and no
//! `Display`, so they do not leak into logs by accident.
#![deny(missing_docs)]

mod application;
mod country;
mod crossing;
mod date;
mod document;
mod error;
mod names;
mod person;
mod phone;
mod watchlist;

pub use application::{Decision, DecisionOutcome, PassportApplication, TravelPurpose};
pub use country::CountryCode;
pub use crossing::{Crossing, Direction};
pub use date::{PartialDate, format_timestamp, parse_date, parse_timestamp};
pub use document::{DocumentKind, DocumentNumber, DocumentStatus, TravelDocument};
pub use error::{Error, Result};
pub use names::{FullName, name_lookup_keys, name_query_keys, normalise_name};
pub use person::{Person, Sex};
pub use phone::PhoneNumber;
pub use waspada_nik::{Nik, NikError};
pub use watchlist::{WatchlistCategory, WatchlistEntry};

/// Serde helpers for the NIK, which lives in `waspada-nik` without serde.
pub(crate) mod nik_serde {
    use serde::{Deserialize, Deserializer, Serializer};
    use waspada_nik::Nik;

    pub(crate) fn serialize<S: Serializer>(nik: &Nik, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(nik.as_str())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Nik, D::Error> {
        let text = String::deserialize(d)?;
        Nik::parse(&text).map_err(serde::de::Error::custom)
    }

    pub(crate) mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use waspada_nik::Nik;

        pub(crate) fn serialize<S: Serializer>(nik: &Option<Nik>, s: S) -> Result<S::Ok, S::Error> {
            match nik {
                Some(nik) => s.serialize_some(nik.as_str()),
                None => s.serialize_none(),
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Nik>, D::Error> {
            let text = Option::<String>::deserialize(d)?;
            text.map(|t| Nik::parse(&t).map_err(serde::de::Error::custom)).transpose()
        }
    }
}

/// The name of a Kemendagri region from the shipped list, with its kecamatan for a desa, e.g.
/// `"Pekik Nyaring, Kec. Pondok Kelapa"`.
pub fn region_name(code: &str) -> Option<String> {
    let region = waspada_nik::regions::lookup(code)?;
    match waspada_nik::regions::district_of(region.code) {
        Some(district) if district.code != region.code => Some(format!("{}, Kec. {}", region.name, district.name)),
        _ => Some(region.name.to_owned()),
    }
}
