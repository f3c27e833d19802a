//! `waspada mrz generate`: the machine-readable zone of a stored document, built from the
//! document and its holder's record.

use std::process::ExitCode;

use anyhow::{Context, bail};
use waspada_domain::{DocumentKind, Sex};
use waspada_mrz::{Format, MrzInput};
use waspada_store::AuditContext;

use crate::{StoreArgs, cli_actor};

pub fn run(args: &StoreArgs, purpose: &str, number: &str, issuing_state: &str) -> anyhow::Result<ExitCode> {
    let store = args.open()?;
    let context = AuditContext::new(cli_actor(), purpose)?;
    let number = waspada_domain::DocumentNumber::parse("number", number)?;
    let state = waspada_domain::CountryCode::parse("issuing_state", issuing_state)?;
    let Some(document) = store.documents_by_number(number.as_str(), Some(state.as_str()), &context)?.pop() else {
        eprintln!("tidak ditemukan / not found");
        return Ok(ExitCode::from(3));
    };
    let document = document.record;
    let Some(holder_nik) = &document.holder_nik else {
        bail!("the document has no holder on record; an MRZ needs the holder's date of birth and sex");
    };
    let person = store.person_by_nik(holder_nik, &context)?.context("the holder's person record is missing")?.record;
    let Some(date_of_birth) = person.date_of_birth.to_date() else {
        bail!("the holder's date of birth is partial; an MRZ needs a full date");
    };
    // Names as printed on the document when recorded; otherwise the whole name is the primary
    // identifier, as for Indonesians without a family name.
    let (surname, given_names) = match (&document.surname, &document.given_names) {
        (Some(surname), given) => (surname.clone(), given.clone().unwrap_or_default()),
        (None, _) => (person.full_name.as_str().to_owned(), String::new()),
    };
    let (format, code) = match document.kind {
        DocumentKind::IdCard => (Format::Td1, "I"),
        _ => (Format::Td3, "P"),
    };
    let input = MrzInput {
        format,
        document_code: code,
        issuing_state: document.issuing_state.as_str(),
        document_number: document.number.as_str(),
        surname: &waspada_mrz::transliterate_name(&surname),
        given_names: &waspada_mrz::transliterate_name(&given_names),
        nationality: "IDN",
        date_of_birth,
        sex: match person.sex {
            Sex::Male => waspada_mrz::Sex::Male,
            Sex::Female => waspada_mrz::Sex::Female,
        },
        expiry_date: document.expiry_date,
        optional_data: "",
    };
    let lines = waspada_mrz::generate(&input).map_err(|e| anyhow::anyhow!("cannot make an MRZ: {e}"))?;
    for line in lines {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}
