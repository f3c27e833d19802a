//! Notification texts for a data breach (UU 27/2022 Art. 46): to the supervisory authority and to
//! the persons concerned, in Bahasa Indonesia and English. Art. 46(2) asks for at least: the
//! personal data disclosed, when and how it was disclosed, and the efforts to handle and recover
//! from it; the texts say so in that order.

use waspada_store::{Breach, BreachCategory};

/// Who a notice is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The PDP supervisory authority.
    Authority,
    /// The persons whose data was involved.
    Subjects,
}

fn category_id(category: BreachCategory) -> &'static str {
    match category {
        BreachCategory::Confidentiality => "kerahasiaan (data diakses atau diambil pihak yang tidak berwenang)",
        BreachCategory::Integrity => "integritas (data diubah atau dirusak tanpa wewenang)",
        BreachCategory::Availability => "ketersediaan (data tidak dapat diakses ketika diperlukan)",
    }
}

fn category_en(category: BreachCategory) -> &'static str {
    match category {
        BreachCategory::Confidentiality => "confidentiality (data seen or taken by someone not allowed to)",
        BreachCategory::Integrity => "integrity (data changed or destroyed without authority)",
        BreachCategory::Availability => "availability (data not available when needed)",
    }
}

const AUTHORITY_ID: &str = "Kepada Lembaga Pelindungan Data Pribadi\n\n\
Pemberitahuan kegagalan pelindungan data pribadi {reference} (UU 27/2022 Pasal 46)\n\n\
Pengendali: Kantor Imigrasi (sistem Waspada).\n\
Jenis kegagalan: {category}.\n\
Data pribadi yang terungkap: {count} catatan (daftar rujukan internal terlampir).\n\
Kapan dan bagaimana: diketahui pada {detected} UTC. {description}\n\
Upaya penanganan dan pemulihan: {measures}\n\
Narahubung: {contact}\n\
Batas waktu pemberitahuan (3 x 24 jam): {deadline} UTC.\n";

const AUTHORITY_EN: &str = "To the Personal Data Protection Agency\n\n\
Notification of personal data protection failure {reference} (Law 27/2022 Art. 46)\n\n\
Controller: the Immigration Office (Waspada system).\n\
Kind of failure: {category}.\n\
Personal data disclosed: {count} records (list of internal references attached).\n\
When and how: found at {detected} UTC. {description}\n\
Handling and recovery: {measures}\n\
Contact: {contact}\n\
Notification deadline (3 x 24 hours): {deadline} UTC.\n";

const SUBJECTS_ID: &str = "Pemberitahuan kepada pemilik data pribadi ({reference})\n\n\
Kami memberitahukan bahwa data pribadi Anda yang disimpan Kantor Imigrasi terdampak kegagalan pelindungan \
data ({category}), yang diketahui pada {detected} UTC.\n\
Yang terjadi: {description}\n\
Yang telah kami lakukan: {measures}\n\
Untuk pertanyaan atau permintaan terkait data Anda, hubungi: {contact}\n";

const SUBJECTS_EN: &str = "Notice to the persons concerned ({reference})\n\n\
We inform you that personal data of yours held by the Immigration Office was affected by a data \
protection failure ({category}), found at {detected} UTC.\n\
What happened: {description}\n\
What we have done: {measures}\n\
For questions or requests about your data, contact: {contact}\n";

/// The notice for an audience, in Indonesian (`english` false) or English.
pub fn notice(breach: &Breach, audience: Audience, english: bool) -> String {
    let template = match (audience, english) {
        (Audience::Authority, false) => AUTHORITY_ID,
        (Audience::Authority, true) => AUTHORITY_EN,
        (Audience::Subjects, false) => SUBJECTS_ID,
        (Audience::Subjects, true) => SUBJECTS_EN,
    };
    let category = if english { category_en(breach.category) } else { category_id(breach.category) };
    // One pass over the template, so that a placeholder inside the reporter's own text is left as
    // it is instead of being filled in.
    let mut out = String::with_capacity(template.len() + breach.description.len() + breach.measures.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else { break };
        let value = match &rest[open + 1..open + close] {
            "reference" => breach.reference.clone(),
            "category" => category.to_owned(),
            "count" => breach.affected.len().to_string(),
            "detected" => breach.detected_at.clone(),
            "description" => breach.description.clone(),
            "measures" => breach.measures.clone(),
            "contact" => breach.contact.clone(),
            "deadline" => breach.notify_by.clone(),
            other => format!("{{{other}}}"),
        };
        out.push_str(&value);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}
