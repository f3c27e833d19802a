//! The officer's web app: server-rendered HTML (maud), Bahasa Indonesia first, little JavaScript,
//! nothing fetched from outside. Pages: sign-in, the counter check (with the decision form) and
//! the audit view. Sessions are the API's HttpOnly SameSite=Strict cookie; every form carries a
//! CSRF token derived from the session; a decision form carries a one-time nonce so a double
//! submit records nothing twice.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::Form;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;
use serde::Serialize;
use sha2::{Digest, Sha256};
use waspada_store::{AuditContext, AuditQuery, AuditVerdict};

use crate::AppState;
use crate::auth::{CurrentUser, Purpose};
use crate::checks::{CheckRequest, CheckResponse, DecisionRequest};
use crate::roles::{Permission, Role};

/// Decision nonces already used (bounded; the oldest are forgotten first).
#[derive(Clone, Default)]
pub struct UsedNonces(Arc<Mutex<(HashSet<String>, std::collections::VecDeque<String>)>>);

impl UsedNonces {
    /// Records a nonce; `false` when it was already used.
    fn first_use(&self, nonce: &str) -> bool {
        let Ok(mut guard) = self.0.lock() else { return false };
        let (set, order) = &mut *guard;
        if !set.insert(nonce.to_owned()) {
            return false;
        }
        order.push_back(nonce.to_owned());
        if order.len() > 100_000
            && let Some(old) = order.pop_front()
        {
            set.remove(&old);
        }
        true
    }

    /// Gives a nonce back when its decision was not recorded (so the officer can correct the
    /// form and send it again).
    fn release(&self, nonce: &str) {
        if let Ok(mut guard) = self.0.lock() {
            guard.0.remove(nonce);
        }
    }
}

/// When each web session (by a digest of its token) was last used.
#[derive(Clone, Default)]
pub struct LastSeen(Arc<Mutex<std::collections::HashMap<String, std::time::Instant>>>);

impl LastSeen {
    /// Marks the session used now; `false` when it had been idle longer than `idle`. Entries
    /// are forgotten only after `lifetime` (when the token has expired anyway), so an idle
    /// session can never come back by being forgotten.
    pub(crate) fn touch(&self, key: &str, idle: std::time::Duration, lifetime: std::time::Duration) -> bool {
        let Ok(mut seen) = self.0.lock() else { return true };
        let now = std::time::Instant::now();
        if seen.len() > 50_000 {
            seen.retain(|_, at| now.duration_since(*at) < lifetime);
        }
        match seen.insert(key.to_owned(), now) {
            Some(before) if now.duration_since(before) > idle => {
                seen.remove(key);
                false
            }
            _ => true,
        }
    }
}

#[path = "web_cases.rs"]
mod cases;
#[path = "web_requests.rs"]
mod requests;

const CSS: &str = include_str!("web.css");
const JS: &str = include_str!("web.js");

/// The interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Id,
    En,
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name).then_some(value)
    })
}

fn lang(headers: &HeaderMap) -> Lang {
    if cookie(headers, "waspada_lang") == Some("en") { Lang::En } else { Lang::Id }
}

/// The catalogue: every text of the interface in Bahasa Indonesia and English.
fn t(lang: Lang, key: &str) -> &'static str {
    const TEXTS: &[(&str, &str, &str)] = &[
        ("app", "Waspada", "Waspada"),
        ("sign_in", "Masuk", "Sign in"),
        ("sign_out", "Keluar", "Sign out"),
        ("username", "Nama pengguna", "User name"),
        ("password", "Kata sandi", "Password"),
        ("bad_login", "Nama pengguna, kata sandi atau kode salah.", "Wrong user name, password or code."),
        (
            "totp",
            "Kode autentikator atau kode pemulihan (wajib untuk supervisor dan admin)",
            "Authenticator code or recovery code (required for supervisors and admins)",
        ),
        ("check", "Pemeriksaan", "Check"),
        ("audit", "Audit", "Audit"),
        ("scan", "Pindai MRZ, atau ketik NIK / nomor paspor", "Scan the MRZ, or type a NIK / passport number"),
        ("purpose", "Keperluan (dicatat di log audit)", "Purpose (recorded in the audit log)"),
        ("purpose_default", "wawancara permohonan paspor", "passport application interview"),
        ("identity_basis", "Dasar melihat identitas (analis)", "Basis for seeing identities (analysts)"),
        (
            "pseudonymised",
            "Data ditampilkan dengan pseudonim. Untuk melihat identitas, sebutkan kasus terbuka (KS-…) atau nomor surat tugas.",
            "Data shown with pseudonyms. To see identities, give an open case (KS-…) or an assignment letter number.",
        ),
        ("show_identities", "Tampilkan identitas", "Show identities"),
        ("application", "Nomor permohonan (opsional)", "Application reference (optional)"),
        ("run_check", "Periksa", "Check"),
        ("identity", "Identitas", "Identity"),
        ("not_found", "Tidak ditemukan dalam data.", "Not found in the records."),
        ("document", "Dokumen", "Document"),
        ("alerts", "Peringatan dokumen", "Document alerts"),
        ("hits", "Kecocokan daftar pengawasan", "Watchlist hits"),
        ("no_hits", "Tidak ada kecocokan.", "No hits."),
        ("indicators", "Indikator", "Indicators"),
        ("report_links", "Laporan masyarakat yang dikonfirmasi", "Confirmed public reports"),
        ("no_indicators", "Tidak ada indikator.", "No indicators."),
        ("legal_basis", "Dasar hukum", "Legal basis"),
        ("valid_until", "Berlaku sampai", "Valid until"),
        ("evidence", "Bukti", "Evidence"),
        ("proceed", "LANJUT", "PROCEED"),
        ("secondary_interview", "WAWANCARA LANJUTAN", "SECONDARY INTERVIEW"),
        ("supervisor_review", "TINJAUAN ATASAN", "SUPERVISOR REVIEW"),
        ("advice", "Saran (bukan keputusan; petugas yang memutuskan)", "Advice (not a decision; the officer decides)"),
        ("questions", "Pertanyaan wawancara", "Interview questions"),
        ("decision", "Keputusan", "Decision"),
        ("issued", "Terbitkan", "Issue"),
        ("delayed", "Tunda", "Delay"),
        ("refused", "Tolak", "Refuse"),
        ("reason", "Alasan", "Reason"),
        ("record_decision", "Catat keputusan", "Record decision"),
        ("decision_recorded", "Keputusan dicatat.", "Decision recorded."),
        (
            "decision_twice",
            "Keputusan ini sudah dicatat; tidak dicatat dua kali.",
            "This decision was already recorded; it is not recorded twice.",
        ),
        ("forbidden", "Peran Anda tidak boleh melakukan ini.", "Your role may not do this."),
        ("session_expired", "Sesi berakhir. Silakan masuk lagi.", "Your session has ended. Please sign in again."),
        ("person_filter", "Orang (NIK)", "Person (NIK)"),
        (
            "audit_failed",
            "Akses tidak dapat dicatat di log audit, jadi data tidak ditampilkan. Coba lagi.",
            "The access could not be recorded in the audit log, so nothing is shown. Try again.",
        ),
        ("person_unknown", "Tidak ada orang dengan NIK itu dalam data.", "No person with that NIK in the records."),
        (
            "pending_kept",
            "Sesi berakhir sebelum formulir terkirim. Masuk lagi: isian Anda disimpan dan ditampilkan kembali.",
            "Your session ended before the form was sent. Sign in again: what you entered is kept and shown again.",
        ),
        (
            "pending_restored",
            "Isian Anda dipulihkan tetapi BELUM dikirim. Periksa, lalu kirim lagi.",
            "What you entered is restored but NOT yet sent. Check it, then send it again.",
        ),
        (
            "csrf",
            "Formulir kedaluwarsa. Muat ulang halaman dan coba lagi.",
            "The form has expired. Reload the page and try again.",
        ),
        ("verify", "Verifikasi rantai audit", "Verify the audit chain"),
        ("intact", "Rantai audit utuh", "The audit chain is intact"),
        ("broken", "Rantai audit RUSAK", "The audit chain is BROKEN"),
        ("filter", "Saring", "Filter"),
        ("actor", "Pengguna", "User"),
        ("action", "Tindakan", "Action"),
        ("subject", "Subjek", "Subject"),
        ("when", "Waktu", "When"),
        ("back", "Kembali ke pemeriksaan", "Back to the check"),
        ("language", "English", "Bahasa Indonesia"),
        ("person", "Data orang", "Person"),
        ("open_person", "Buka riwayat", "Open history"),
        ("documents", "Dokumen", "Documents"),
        ("applications", "Permohonan", "Applications"),
        ("crossings", "Perlintasan", "Crossings"),
        ("linked", "Orang terkait", "Linked persons"),
        ("none", "Tidak ada.", "None."),
        (
            "give_purpose",
            "Sebutkan keperluan sekali untuk tugas ini; setiap pembacaan dicatat.",
            "State the purpose once for this task; every read is recorded.",
        ),
        ("continue", "Lanjutkan", "Continue"),
        ("household", "serumah (alamat sama)", "same household (address)"),
        ("shared_phone", "nomor telepon sama", "shares a phone"),
        ("uses_their_phone", "memakai nomornya sebagai kontak", "gives this person's phone as contact"),
        ("contact_phone_owner", "pemilik nomor kontak permohonannya", "owns the contact phone on the applications"),
        ("companion", "rekan perjalanan", "travel companion"),
        (
            "idle",
            "Sesi berakhir karena tidak aktif. Silakan masuk lagi.",
            "The session ended after inactivity. Please sign in again.",
        ),
        ("home", "Beranda", "Home"),
        ("triage_nav", "Laporan masuk", "Reports"),
        ("cases_nav", "Kasus", "Cases"),
        ("today", "Hari ini", "Today"),
        ("checks_today", "Pemeriksaan", "Checks"),
        ("decisions_today", "Keputusan", "Decisions"),
        ("open_interviews", "Perlu wawancara lanjutan / tinjauan", "Need a secondary interview / review"),
        ("hits_today", "Pemeriksaan dengan kecocokan daftar", "Checks with watchlist hits"),
        ("per_hour", "Pemeriksaan per jam (UTC)", "Checks per hour (UTC)"),
        ("watchlist", "Daftar pengawasan", "Watchlist"),
        ("policy", "Kebijakan indikator", "Indicator policy"),
        ("add_entry", "Tambah / ubah entri", "Add / change an entry"),
        ("expire", "Akhiri hari ini", "Expire today"),
        ("edit", "Ubah", "Edit"),
        ("breaches", "Insiden data", "Data breaches"),
        ("requests_nav", "Permintaan subjek data", "Data-subject requests"),
        ("no_breaches", "Belum ada insiden tercatat.", "No breach recorded."),
        ("overdue", "LEWAT BATAS WAKTU", "OVERDUE"),
        ("open", "terbuka", "open"),
        ("notified", "sudah diberitahukan", "notified"),
        ("notify_by", "Beritahukan paling lambat", "Notify by"),
        ("detected", "Diketahui", "Detected"),
        ("records", "catatan", "records"),
        ("notice_authority", "Pemberitahuan kepada lembaga", "Notice to the authority"),
        ("notice_subjects", "Pemberitahuan kepada pemilik data", "Notice to the persons concerned"),
        ("br_record", "Catat insiden", "Record an incident"),
        ("br_detected_at", "Diketahui pada (WIB)", "Detected at (WIB)"),
        (
            "br_category",
            "Jenis: kerahasiaan, integritas atau ketersediaan",
            "Kind: confidentiality, integrity or availability",
        ),
        ("br_confidentiality", "Kerahasiaan (data terbuka)", "Confidentiality (data disclosed)"),
        ("br_integrity", "Integritas (data diubah)", "Integrity (data altered)"),
        ("br_availability", "Ketersediaan (data hilang)", "Availability (data lost)"),
        ("br_affected", "Catatan yang terdampak (id internal)", "Records affected (internal ids)"),
        ("br_description", "Apa yang terjadi dan bagaimana diketahui", "What happened and how it was found"),
        ("br_measures", "Tindakan penanganan dan pemulihan", "What was done to contain and recover"),
        ("br_contact", "Kontak (kantor PDP)", "Contact (the DPO's office)"),
        ("br_to_authority", "Lembaga diberi tahu", "Authority notified"),
        ("br_to_subjects", "Pemilik data diberi tahu", "Persons notified"),
        ("br_mark_authority", "Tandai: lembaga sudah diberi tahu", "Mark: authority notified"),
        ("br_mark_subjects", "Tandai: pemilik data sudah diberi tahu", "Mark: persons notified"),
        (
            "br_bad_time",
            "Waktu tidak dikenali: pakai tanggal dan jam (WIB).",
            "Time not understood: give a date and a time (WIB).",
        ),
        ("br_future", "Waktu diketahui tidak boleh di masa depan.", "The detection time cannot be in the future."),
        ("checkpoints", "titik periksa bertanda tangan", "signed checkpoints"),
        ("search_list", "Cari ID atau nama", "Search by ID or name"),
        ("shown_of", "ditampilkan; jumlah entri", "shown; entries in all"),
        ("refine", "persempit pencarian untuk melihat sisanya", "narrow the search to see the rest"),
        ("edit_entry", "Ubah entri", "Edit the entry"),
        ("save", "Simpan", "Save"),
        ("cancel", "Batal", "Cancel"),
        ("saved", "Tersimpan.", "Saved."),
        ("category", "Kategori", "Category"),
        ("name", "Nama", "Name"),
        ("aliases", "Alias (pisahkan dengan |)", "Aliases (separate with |)"),
        ("born", "Tanggal/tahun lahir", "Date or year of birth"),
        ("sex", "Jenis kelamin (M/F)", "Sex (M/F)"),
        ("nationality", "Kewarganegaraan", "Nationality"),
        ("valid_from", "Berlaku dari", "Valid from"),
        ("weight", "Bobot", "Weight"),
        ("versions", "Versi yang pernah dipakai", "Versions in force over time"),
        ("since", "Sejak tanggal", "From (date)"),
        ("name_results", "Orang dengan nama yang mirip", "Persons with a similar name"),
        ("import_csv", "Impor CSV (tempel, dengan baris judul kolom)", "Import CSV (paste, with the header row)"),
        ("import", "Impor", "Import"),
        ("imported", "tersimpan", "saved"),
        ("rejected", "ditolak", "rejected"),
        ("until", "Sebelum tanggal", "Before (date)"),
    ];
    TEXTS.iter().find(|(k, _, _)| *k == key).map_or("?", |(_, id, en)| if lang == Lang::Id { id } else { en })
}

/// A screening reason in the interface language. The screening crate explains in English with a
/// fixed vocabulary; the phrases are translated here, the names and dates are kept.
fn reason_text(lang: Lang, reason: &str) -> String {
    if lang == Lang::En {
        return reason.to_owned();
    }
    const PHRASES: &[(&str, &str)] = &[
        (
            "date of birth differs by one digit (a possible typing slip)",
            "tanggal lahir beda satu angka (mungkin salah ketik)",
        ),
        ("same birth year, different date", "tahun lahir sama, tanggal berbeda"),
        ("date of birth agrees with day and month swapped", "tanggal lahir cocok dengan hari dan bulan tertukar"),
        ("date of birth agrees", "tanggal lahir cocok"),
        ("date of birth conflicts", "tanggal lahir bertentangan"),
        ("birth year agrees", "tahun lahir cocok"),
        ("birth year conflicts", "tahun lahir bertentangan"),
        ("birth year differs by one", "tahun lahir beda satu"),
        ("sex conflicts", "jenis kelamin bertentangan"),
        ("nationality conflicts", "kewarganegaraan bertentangan"),
        ("document number matches", "nomor dokumen sama"),
        ("NIK matches", "NIK sama"),
        ("not in the entry", "tidak ada pada entri"),
        ("not in the query", "tidak ada pada data yang diperiksa"),
        ("spelling variant", "varian ejaan"),
        ("sounds the same", "bunyi sama"),
        ("similar", "mirip"),
        ("initial", "inisial"),
        ("joined", "digabung"),
        ("(same,", "(sama,"),
        ("name", "nama"),
    ];
    let mut out = reason.to_owned();
    for (en, id) in PHRASES {
        if out.contains(en) {
            out = out.replacen(en, id, 1);
        }
    }
    out
}

/// Interview questions the indicators call for.
fn questions(lang: Lang, code: &str) -> &'static [&'static str] {
    match (code, lang) {
        ("shared_contact_phone" | "shared_sponsor", Lang::Id) => &[
            "Siapa yang mengurus perjalanan dan paspor Anda? Siapa pemilik nomor kontak ini?",
            "Apakah Anda membayar biaya kepada seseorang? Berapa, dan apakah akan dipotong dari gaji?",
        ],
        ("shared_contact_phone" | "shared_sponsor", Lang::En) => &[
            "Who arranged your travel and passport? Whose is this contact number?",
            "Did you pay anyone a fee? How much, and will it be deducted from wages?",
        ],
        ("work_intent_hidden", Lang::Id) => &[
            "Apa yang akan Anda lakukan di sana, hari demi hari? Di mana Anda akan tinggal?",
            "Apakah Anda memiliki tiket pulang dan undangan atau pemesanan hotel?",
        ],
        ("work_intent_hidden", Lang::En) => &[
            "What will you do there, day by day? Where will you stay?",
            "Do you have a return ticket and an invitation or a hotel booking?",
        ],
        ("far_from_domicile", Lang::Id) => &["Mengapa Anda mengajukan paspor di sini, jauh dari domisili KTP Anda?"],
        ("far_from_domicile", Lang::En) => &["Why do you apply here, far from your KTP domicile?"],
        ("minor_without_parent", Lang::Id) => &["Di mana orang tua Anda? Siapa yang mendampingi Anda?"],
        ("minor_without_parent", Lang::En) => &["Where are your parents? Who accompanies you?"],
        ("splp_return" | "prior_delay", Lang::Id) => {
            &["Apa yang terjadi pada perjalanan sebelumnya? Siapa yang memegang paspor Anda saat itu?"]
        }
        ("splp_return" | "prior_delay", Lang::En) => {
            &["What happened on your previous journey? Who held your passport then?"]
        }
        ("valid_passport_held" | "lost_passport_history", Lang::Id) => &["Di mana paspor Anda yang lama sekarang?"],
        ("valid_passport_held" | "lost_passport_history", Lang::En) => &["Where is your previous passport now?"],
        _ => &[],
    }
}

/// CSRF token of a signed-in session: derived from the session token, so it needs no storage
/// and dies with the session.
pub(crate) fn csrf_for(token: &str) -> String {
    hex::encode(&Sha256::digest(format!("waspada-csrf:{token}").as_bytes())[..16])
}

fn page(lang: Lang, title: &str, user: Option<&CurrentUser>, csrf: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(if lang == Lang::Id { "id" } else { "en" }) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Waspada" }
                link rel="stylesheet" href="/assets/waspada.css";
            }
            body {
                header {
                    strong { "Waspada" }
                    @if let Some(user) = user {
                        nav {
                            a href="/" { (t(lang, "home")) }
                            @if user.role.allows(Permission::Check) {
                                a href="/check" { (t(lang, "check")) }
                            }
                            @if user.role.allows(Permission::ManageWatchlist) {
                                a href="/watchlist" { (t(lang, "watchlist")) }
                                a href="/policy" { (t(lang, "policy")) }
                            }
                            @if user.role.allows(Permission::ReadReports) {
                                a href="/triage" { (t(lang, "triage_nav")) }
                            }
                            @if user.role.allows(Permission::ManageCases) {
                                a href="/cases" { (t(lang, "cases_nav")) }
                            }
                            @if user.role.allows(Permission::ReadAudit) {
                                a href="/audit" { (t(lang, "audit")) }
                                a href="/breaches" { (t(lang, "breaches")) }
                            }
                            @if user.role.allows(Permission::ManageSubjectRequests) {
                                a href="/requests" { (t(lang, "requests_nav")) }
                            }
                        }
                        span.user { (user.username) " (" (user.role.name()) ")" }
                        form method="post" action="/logout" class="inline" {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" { (t(lang, "sign_out")) }
                        }
                    }
                    a.lang href=(if lang == Lang::Id { "/lang/en" } else { "/lang/id" }) { (t(lang, "language")) }
                }
                main { (body) }
                script src="/assets/waspada.js" defer {}
            }
        }
    }
}

fn html_response(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, markup.into_string()).into_response();
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; connect-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    );
    response
}

fn redirect(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(to) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// The signed-in user and their session token, or `None` (the page then sends them to sign in).
async fn session(state: &AppState, headers: &HeaderMap) -> Option<(CurrentUser, String)> {
    let token = crate::auth::request_token(headers)?;
    let mut parts = axum::http::Request::builder().body(()).ok()?.into_parts().0;
    parts.headers = headers.clone();
    let user =
        <CurrentUser as axum::extract::FromRequestParts<AppState>>::from_request_parts(&mut parts, state).await.ok()?;
    Some((user, token))
}

fn expired(lang: Lang) -> Response {
    let body = html! { p.notice { (t(lang, "session_expired")) } p { a href="/login" { (t(lang, "sign_in")) } } };
    html_response(StatusCode::UNAUTHORIZED, page(lang, t(lang, "sign_in"), None, "", body))
}

/// Work a form was carrying when its session had ended. It goes through the sign-in form (a
/// hidden field) and comes back filled in, to be sent again: an expired session never loses a
/// decision being written or a scan. Nothing is done with it before the user sends it again.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Pending {
    Decision(DecisionForm),
    Check(CheckForm),
}

/// The largest pending form carried through sign-in (a decision's reason is a few lines).
const PENDING_MAX: usize = 16 * 1024;

impl Pending {
    fn encode(mut self) -> String {
        // The old session's token is of no use any more; a new one comes with the new session.
        match &mut self {
            Pending::Decision(form) => form.csrf.clear(),
            Pending::Check(form) => form.csrf.clear(),
        }
        serde_json::to_string(&self).unwrap_or_default()
    }

    fn decode(text: &str) -> Option<Pending> {
        if text.is_empty() || text.len() > PENDING_MAX {
            return None;
        }
        serde_json::from_str(text).ok()
    }
}

/// The sign-in page for a form sent after its session ended, carrying the form's content.
fn expired_with(lang: Lang, pending: Pending) -> Response {
    let csrf = random_hex();
    let pending = pending.encode();
    let pending = (pending.len() <= PENDING_MAX).then_some(pending);
    let notice = t(lang, if pending.is_some() { "pending_kept" } else { "session_expired" });
    let mut response =
        html_response(StatusCode::UNAUTHORIZED, login_page(lang, &csrf, Some(notice), pending.as_deref()));
    set_login_csrf(&mut response, &csrf);
    response
}

/// The page a role may not see.
fn forbidden(lang: Lang, title: &str, user: &CurrentUser, csrf: &str) -> Response {
    let body = html! { p.error role="alert" { (t(lang, "forbidden")) } };
    html_response(StatusCode::FORBIDDEN, page(lang, title, Some(user), csrf, body))
}

/// Remembers the purpose of the task for this browser session (asked once, not per click).
fn remember_purpose(response: &mut Response, purpose: &str) {
    if let Ok(value) =
        HeaderValue::from_str(&format!("waspada_purpose={}; HttpOnly; SameSite=Strict; Path=/", encode(purpose.trim())))
    {
        response.headers_mut().insert(SET_COOKIE, value);
    }
}

// ----- sign-in ------------------------------------------------------------------------------

fn login_page(lang: Lang, csrf: &str, error: Option<&str>, pending: Option<&str>) -> Markup {
    let body = html! {
        h1 { (t(lang, "sign_in")) }
        @if let Some(error) = error { p.error role="alert" { (error) } }
        form method="post" action="/login" class="card" {
            input type="hidden" name="csrf" value=(csrf);
            @if let Some(pending) = pending { input type="hidden" name="pending" value=(pending); }
            label for="username" { (t(lang, "username")) }
            input #username name="username" autocomplete="username" required autofocus;
            label for="password" { (t(lang, "password")) }
            input #password name="password" type="password" autocomplete="current-password" required;
            label for="totp" { (t(lang, "totp")) }
            input #totp name="totp" autocomplete="one-time-code" maxlength="16" autocapitalize="characters";
            button type="submit" { (t(lang, "sign_in")) }
        }
    };
    page(lang, t(lang, "sign_in"), None, csrf, body)
}

fn random_hex() -> String {
    let mut bytes = [0u8; 16];
    let _ = getrandom::fill(&mut bytes);
    hex::encode(bytes)
}

async fn login_form(headers: HeaderMap) -> Response {
    let lang = lang(&headers);
    let csrf = random_hex();
    let mut response = html_response(StatusCode::OK, login_page(lang, &csrf, None, None));
    set_login_csrf(&mut response, &csrf);
    response
}

fn set_login_csrf(response: &mut Response, csrf: &str) {
    if let Ok(value) =
        HeaderValue::from_str(&format!("waspada_login_csrf={csrf}; HttpOnly; SameSite=Strict; Path=/login"))
    {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    /// The authenticator code, for accounts with a second factor.
    #[serde(default)]
    totp: String,
    csrf: String,
    /// A form sent after its session ended ([`Pending`], JSON).
    #[serde(default)]
    pending: String,
}

async fn login_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let lang = lang(&headers);
    let Ok(Form(form)) = form else {
        return html_response(StatusCode::BAD_REQUEST, login_page(lang, &random_hex(), Some(t(lang, "csrf")), None));
    };
    let pending = Pending::decode(&form.pending);
    if cookie(&headers, "waspada_login_csrf") != Some(form.csrf.as_str()) || form.csrf.is_empty() {
        let csrf = random_hex();
        let field = pending.map(Pending::encode);
        let mut response =
            html_response(StatusCode::FORBIDDEN, login_page(lang, &csrf, Some(t(lang, "csrf")), field.as_deref()));
        set_login_csrf(&mut response, &csrf);
        return response;
    }
    let username = form.username.trim().to_owned();
    let code = Some(form.totp).filter(|c| !c.trim().is_empty());
    match crate::auth::sign_in(&state, crate::auth::client_ip(&extensions), form.username, form.password, code).await {
        Ok(Some((token, login))) => {
            let role = Role::parse(&login.role);
            let mut response = match (pending, role) {
                (Some(pending), Some(role)) => {
                    // The page header needs only the name and role; the id is not shown.
                    let user = CurrentUser { id: 0, username, role };
                    resume_page(lang, &user, &csrf_for(&token), pending)
                }
                // Staff who do not check travellers (admin, DPO) start on the dashboard.
                (_, Some(role)) if !role.allows(Permission::Check) => redirect("/"),
                _ => redirect("/check"),
            };
            if let Ok(value) = HeaderValue::from_str(&crate::auth::session_cookie(&token, state.config.token_ttl)) {
                response.headers_mut().insert(SET_COOKIE, value);
            }
            // A new session starts without the previous officer's purpose.
            response.headers_mut().append(SET_COOKIE, HeaderValue::from_static(crate::auth::CLEAR_PURPOSE));
            response
        }
        Ok(None) => html_response(
            StatusCode::UNAUTHORIZED,
            login_page(lang, &form.csrf, Some(t(lang, "bad_login")), pending.map(Pending::encode).as_deref()),
        ),
        Err(error) => {
            let (id, en) = error.messages();
            let text = if lang == Lang::Id { id } else { en };
            let field = pending.map(Pending::encode);
            html_response(error.status(), login_page(lang, &form.csrf, Some(&text), field.as_deref()))
        }
    }
}

/// After signing in again: the form that was on its way, filled in, to be sent again.
fn resume_page(lang: Lang, user: &CurrentUser, csrf: &str, pending: Pending) -> Response {
    let (title, form) = match &pending {
        Pending::Decision(draft) if user.role.allows(Permission::Decide) => {
            (t(lang, "decision"), decision_form(lang, csrf, draft))
        }
        Pending::Check(form) if user.role.allows(Permission::Check) => {
            (t(lang, "check"), check_form(lang, csrf, form, user.role))
        }
        _ => return redirect("/check"),
    };
    let body = html! {
        p.notice role="status" #pending-restored { (t(lang, "pending_restored")) }
        (form)
    };
    html_response(StatusCode::OK, page(lang, title, Some(user), csrf, body))
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if let Some((_, token)) = session(&state, &headers).await
        && form.is_ok_and(|Form(f)| f.csrf == csrf_for(&token))
    {
        let _ = crate::auth::logout(State(state), headers).await;
    }
    let mut response = redirect("/login");
    crate::auth::clear_session_cookies(response.headers_mut());
    response
}

async fn set_lang(axum::extract::Path(code): axum::extract::Path<String>, headers: HeaderMap) -> Response {
    let back = headers
        .get("referer")
        .and_then(|v| v.to_str().ok())
        .filter(|r| r.contains("://"))
        .map_or("/check", |_| "/check");
    let mut response = redirect(back);
    let value = if code == "en" { "en" } else { "id" };
    if let Ok(cookie) =
        HeaderValue::from_str(&format!("waspada_lang={value}; SameSite=Strict; Path=/; Max-Age=31536000"))
    {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    response
}

// ----- counter check ------------------------------------------------------------------------

#[derive(Deserialize, Serialize, Default, Clone)]
struct CheckForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    application_reference: String,
    /// Analysts only: the open case or letter that needs identities (see `crate::pseudonyms`).
    #[serde(default)]
    identity_basis: String,
    #[serde(default)]
    csrf: String,
}

fn check_form(lang: Lang, csrf: &str, form: &CheckForm, role: Role) -> Markup {
    let purpose = if form.purpose.trim().is_empty() { t(lang, "purpose_default") } else { form.purpose.as_str() };
    html! {
        form method="post" action="/check" class="card" id="check-form" {
            input type="hidden" name="csrf" value=(csrf);
            label for="q" { (t(lang, "scan")) }
            textarea #q name="q" rows="3" autofocus spellcheck="false" autocomplete="off" { (form.q) }
            div.row {
                div {
                    label for="application_reference" { (t(lang, "application")) }
                    input #application_reference name="application_reference" value=(form.application_reference);
                }
                div {
                    label for="purpose" { (t(lang, "purpose")) }
                    input #purpose name="purpose" value=(purpose) required;
                }
                @if crate::pseudonyms::pseudonymised_by_default(role) {
                    div {
                        label for="identity_basis" { (t(lang, "identity_basis")) }
                        input #identity_basis name="identity_basis" value=(form.identity_basis) placeholder="KS-2026-0001 / surat …";
                    }
                }
            }
            button type="submit" { (t(lang, "run_check")) }
        }
    }
}

async fn check_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = lang(&headers);
    let Some((user, token)) = session(&state, &headers).await else { return redirect("/login") };
    let csrf = csrf_for(&token);
    if !user.role.allows(Permission::Check) {
        return forbidden(lang, t(lang, "check"), &user, &csrf);
    }
    let form = CheckForm {
        purpose: cookie(&headers, "waspada_purpose").map(decode).unwrap_or_default(),
        ..CheckForm::default()
    };
    html_response(
        StatusCode::OK,
        page(lang, t(lang, "check"), Some(&user), &csrf, html! { (check_form(lang, &csrf, &form, user.role)) }),
    )
}

/// Percent-decoding for the remembered purpose cookie.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// What the one input holds: an MRZ (several lines or `<`), a NIK (16 digits) or a document number.
fn classify(q: &str) -> CheckRequest {
    let cleaned = q.trim();
    let empty =
        CheckRequest { mrz: None, nik: None, document_number: None, issuing_state: None, application_reference: None };
    if cleaned.contains('<') || cleaned.lines().filter(|l| !l.trim().is_empty()).count() > 1 {
        let lines: Vec<String> = cleaned
            .lines()
            .map(|l| l.split_whitespace().collect::<String>().to_uppercase())
            .filter(|l| !l.is_empty())
            .collect();
        return CheckRequest { mrz: Some(lines.join("\n")), ..empty };
    }
    let digits: String = cleaned.chars().filter(|c| !c.is_whitespace() && *c != '.').collect();
    if digits.len() == 16 && digits.chars().all(|c| c.is_ascii_digit()) {
        return CheckRequest { nik: Some(digits), ..empty };
    }
    CheckRequest { document_number: Some(cleaned.split_whitespace().collect::<String>().to_uppercase()), ..empty }
}

fn recommendation_class(code: &str) -> &'static str {
    match code {
        "proceed" => "ok",
        "secondary_interview" => "warn",
        _ => "stop",
    }
}

fn result_view(lang: Lang, user: &CurrentUser, csrf: &str, form: &CheckForm, result: &CheckResponse) -> Markup {
    let findings = result.assessment.get("findings").and_then(|f| f.as_array()).cloned().unwrap_or_default();
    let codes: Vec<String> = findings.iter().filter_map(|f| f["code"].as_str().map(String::from)).collect();
    let text_key = if lang == Lang::Id { "text_id" } else { "text_en" };
    let alert_text =
        |a: &crate::checks::DocumentAlertDto| if lang == Lang::Id { a.text_id.clone() } else { a.text_en.clone() };
    html! {
        section #recommendation class=(format!("banner {}", recommendation_class(&result.recommendation))) role="status" {
            span.big { (t(lang, match result.recommendation.as_str() { "proceed" => "proceed", "secondary_interview" => "secondary_interview", _ => "supervisor_review" })) }
            small { (t(lang, "advice")) " · " (result.policy_version) }
        }
        section.card #identity {
            h2 { (t(lang, "identity")) }
            @if let Some(p) = &result.person {
                p.name { strong { (p.full_name) } " · NIK " (p.nik) " · " a href=(format!("/person/{}", p.nik)) { (t(lang, "open_person")) } }
                p { (p.date_of_birth) " · " (p.sex) @if let Some(r) = &p.region_name { " · " (r) } }
            } @else {
                p { (t(lang, "not_found")) }
            }
            @if let Some(d) = &result.document {
                p { (t(lang, "document")) ": " (d.kind) " " (d.number) " (" (d.issuing_state) ") · " (d.status) " · " (d.expiry_date) }
            }
        }
        @if !result.document_alerts.is_empty() {
            section.card.alerts #alerts {
                h2 { (t(lang, "alerts")) }
                ul { @for a in &result.document_alerts { li class=(format!("alert-{}", a.code)) { (alert_text(a)) } } }
            }
        }
        section.card #hits {
            h2 { (t(lang, "hits")) }
            @if result.watchlist_hits.is_empty() { p { (t(lang, "no_hits")) } }
            @for h in &result.watchlist_hits {
                details.hit open {
                    summary { strong { (h.category) } " · " (h.entry_id) " · " (format!("{:.2}", h.score)) }
                    ul { @for r in &h.reasons { li { (reason_text(lang, r)) } } }
                    p.small { (t(lang, "legal_basis")) ": " (h.legal_basis) }
                }
            }
        }
        @if !result.report_links.is_empty() {
            section.card #report-links {
                h2 { (t(lang, "report_links")) }
                @for link in &result.report_links {
                    div class=(format!("finding subject-{}", link.role.code())) {
                        p { strong { (if lang == Lang::Id { &link.text_id } else { &link.text_en }) } }
                        p.small { (t(lang, "legal_basis")) ": " (link.legal_basis) " · " (link.confirmed_at) }
                    }
                }
            }
        }
        section.card #indicators {
            h2 { (t(lang, "indicators")) }
            @if findings.is_empty() { p { (t(lang, "no_indicators")) } }
            @for f in &findings {
                div class=(format!("finding subject-{}", f["subject"].as_str().unwrap_or(""))) {
                    p { strong { (f[text_key].as_str().unwrap_or("")) } }
                    p.small {
                        (f["subject"].as_str().unwrap_or("")) " · " (t(lang, "legal_basis")) ": " (f["legal_basis"].as_str().unwrap_or(""))
                        " · " (t(lang, "valid_until")) " " (f["valid_until"].as_str().unwrap_or(""))
                    }
                    @let evidence: Vec<&str> = f["evidence"].as_array().map(|e| e.iter().filter_map(|v| v.as_str()).collect()).unwrap_or_default();
                    @if !evidence.is_empty() { p.small { (t(lang, "evidence")) ": " (evidence.join(", ")) } }
                }
            }
        }
        @let asked: Vec<&str> = { let mut all: Vec<&str> = codes.iter().flat_map(|c| questions(lang, c).iter().copied()).collect(); all.dedup(); all };
        @if !asked.is_empty() {
            section.card #questions {
                h2 { (t(lang, "questions")) }
                ol { @for q in &asked { li { (q) } } }
            }
        }
        @if user.role.allows(Permission::Decide) && !form.application_reference.trim().is_empty() {
            (decision_form(lang, csrf, &DecisionForm {
                nonce: random_hex(),
                application_reference: form.application_reference.clone(),
                purpose: form.purpose.clone(),
                ..DecisionForm::default()
            }))
        }
    }
}

/// The decision form (issue, delay, refuse); `draft` fills it, as when a decision is shown again
/// after the session ended before it was recorded.
fn decision_form(lang: Lang, csrf: &str, draft: &DecisionForm) -> Markup {
    let legal_basis = if draft.legal_basis.trim().is_empty() {
        "SE Dirjen Imigrasi IMI-0277.GR.02.06/2017"
    } else {
        draft.legal_basis.as_str()
    };
    html! {
        form method="post" action="/decide" class="card" #decision {
            h2 { (t(lang, "decision")) " · " (draft.application_reference) }
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="nonce" value=(draft.nonce);
            input type="hidden" name="application_reference" value=(draft.application_reference);
            input type="hidden" name="purpose" value=(draft.purpose);
            fieldset {
                legend { (t(lang, "decision")) }
                @for (value, key) in [("issued", "issued"), ("delayed", "delayed"), ("refused", "refused")] {
                    label.choice { input type="radio" name="outcome" value=(value) required checked[draft.outcome == value]; " " (t(lang, key)) }
                }
            }
            label for="reason" { (t(lang, "reason")) }
            textarea #reason name="reason" rows="2" { (draft.reason) }
            label for="legal_basis" { (t(lang, "legal_basis")) }
            input #legal_basis name="legal_basis" value=(legal_basis);
            button type="submit" { (t(lang, "record_decision")) }
        }
    }
}

async fn check_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<CheckForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let lang = lang(&headers);
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let Some((user, token)) = session(&state, &headers).await else { return expired_with(lang, Pending::Check(form)) };
    let csrf = csrf_for(&token);
    if form.csrf != csrf {
        let body = html! { p.error role="alert" { (t(lang, "csrf")) } (check_form(lang, &csrf, &form, user.role)) };
        return html_response(StatusCode::FORBIDDEN, page(lang, t(lang, "check"), Some(&user), &csrf, body));
    }
    if !user.role.allows(Permission::Check) {
        return forbidden(lang, t(lang, "check"), &user, &csrf);
    }
    // A name (letters and spaces, optionally a birth year) searches persons instead.
    let text = form.q.trim();
    // Document numbers always carry digits; a name has none (a birth year may follow it).
    let without_year: String = text
        .split_whitespace()
        .filter(|w| !w.parse::<i32>().is_ok_and(|y| (1900..=2100).contains(&y)))
        .collect::<Vec<_>>()
        .join(" ");
    let looks_like_name = !text.contains('<')
        && without_year.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && !without_year.chars().any(|c| c.is_ascii_digit());
    if looks_like_name {
        let year = text.split_whitespace().find_map(|w| w.parse::<i32>().ok().filter(|y| (1900..=2100).contains(y)));
        let name: String = text.split_whitespace().filter(|w| w.parse::<i32>().is_err()).collect::<Vec<_>>().join(" ");
        let found = state.engine.read().map(|e| e.search_names(&name, year, 20)).unwrap_or_default();
        let access = crate::pseudonyms::disclosure(
            &state,
            &user,
            &Purpose(form.purpose.trim().to_owned()),
            &crate::pseudonyms::IdentityBasis(Some(form.identity_basis.trim().to_owned()).filter(|b| !b.is_empty())),
        )
        .await;
        // Finding people by name is identity work: an analyst states the basis first.
        let access = access.and_then(|(disclosure, context)| {
            crate::pseudonyms::require_identified(disclosure).map(|()| (disclosure, context))
        });
        match access {
            Ok((_, context)) => {
                let store = state.store.clone();
                let count = found.len();
                let audited = tokio::task::spawn_blocking(move || {
                    store.record_audit(&context, "person.search_name_fuzzy", "persons", &format!("results={count}"))
                })
                .await;
                // Nothing personal is shown unless the read is on record.
                if !matches!(audited, Ok(Ok(_))) {
                    let body = html! { p.error role="alert" { "audit" } };
                    return html_response(
                        StatusCode::SERVICE_UNAVAILABLE,
                        page(lang, t(lang, "check"), Some(&user), &csrf, body),
                    );
                }
            }
            Err(error) => {
                let message = error.messages();
                let text = if lang == Lang::Id { message.0 } else { message.1 };
                let body = html! { p.error role="alert" { (text) } (check_form(lang, &csrf, &form, user.role)) };
                return html_response(error.status(), page(lang, t(lang, "check"), Some(&user), &csrf, body));
            }
        }
        let body = html! {
            (check_form(lang, &csrf, &CheckForm { q: String::new(), ..form.clone() }, user.role))
            section.card #name-results {
                h2 { (t(lang, "name_results")) ": " (name) @if let Some(y) = year { " (" (y) ")" } }
                @if found.is_empty() { p { (t(lang, "not_found")) } }
                ul { @for (nik, full, born, score) in &found {
                    li { a href=(format!("/person/{nik}")) { (full) } " · " (born) " · NIK " (nik) " · " (format!("{score:.2}")) }
                } }
            }
        };
        let mut response = html_response(StatusCode::OK, page(lang, t(lang, "check"), Some(&user), &csrf, body));
        remember_purpose(&mut response, form.purpose.trim());
        return response;
    }
    let mut request = classify(&form.q);
    let reference = form.application_reference.trim();
    request.application_reference = (!reference.is_empty()).then(|| reference.to_owned());
    let basis = crate::pseudonyms::IdentityBasis(Some(form.identity_basis.trim().to_owned()).filter(|b| !b.is_empty()));
    let outcome = match crate::pseudonyms::disclosure(&state, &user, &Purpose(form.purpose.trim().to_owned()), &basis)
        .await
        .and_then(|(disclosure, context)| crate::pseudonyms::require_identified(disclosure).map(|()| context))
    {
        Ok(context) => crate::checks::run_check(&state, context, request).await,
        Err(error) => Err(error),
    };
    let (status, body) = match &outcome {
        // The box is emptied for the next scan; what was checked shows in the result.
        Ok(result) => {
            let next = CheckForm { q: String::new(), ..form.clone() };
            (
                StatusCode::OK,
                html! { (check_form(lang, &csrf, &next, user.role)) (result_view(lang, &user, &csrf, &form, result)) },
            )
        }
        Err(error) => {
            let message = error.messages();
            let text = if lang == Lang::Id { message.0 } else { message.1 };
            (error.status(), html! { (check_form(lang, &csrf, &form, user.role)) p.error role="alert" { (text) } })
        }
    };
    let mut response = html_response(status, page(lang, t(lang, "check"), Some(&user), &csrf, body));
    // The purpose is given once per task, not per click: remembered for this browser session.
    remember_purpose(&mut response, form.purpose.trim());
    response
}

#[derive(Deserialize, Serialize, Default)]
struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    nonce: String,
    #[serde(default)]
    application_reference: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    legal_basis: String,
}

async fn decide_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<DecisionForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let lang = lang(&headers);
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let Some((user, token)) = session(&state, &headers).await else {
        return expired_with(lang, Pending::Decision(form));
    };
    let csrf = csrf_for(&token);
    let back = html! { p { a href="/check" { (t(lang, "back")) } } };
    let fail = |status: StatusCode, text: &str| {
        let body = html! { p.error role="alert" { (text) } (back) };
        html_response(status, page(lang, t(lang, "decision"), Some(&user), &csrf, body))
    };
    if form.csrf != csrf {
        return fail(StatusCode::FORBIDDEN, t(lang, "csrf"));
    }
    if !user.role.allows(Permission::Decide) {
        return fail(StatusCode::FORBIDDEN, t(lang, "forbidden"));
    }
    if form.nonce.len() != 32 || !state.web_nonces.first_use(&form.nonce) {
        return fail(StatusCode::CONFLICT, t(lang, "decision_twice"));
    }
    let purpose =
        if form.purpose.trim().is_empty() { "passport decision".to_owned() } else { form.purpose.trim().to_owned() };
    let context = match AuditContext::new(user.username.clone(), purpose) {
        Ok(c) => c,
        Err(e) => return fail(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let request = DecisionRequest {
        application_reference: form.application_reference,
        outcome: form.outcome,
        reason: Some(form.reason),
        legal_basis: Some(form.legal_basis),
    };
    let nonce = form.nonce.clone();
    match crate::checks::record_decision(&state, &user, context, request).await {
        Ok(stored) => {
            let decision = stored.record.decision.as_ref();
            let body = html! {
                p.notice role="status" #decision-recorded { (t(lang, "decision_recorded")) }
                p { (stored.record.reference) " · " (decision.map_or("", |d| d.outcome.code())) " · " (user.username) }
                (back)
            };
            html_response(StatusCode::OK, page(lang, t(lang, "decision"), Some(&user), &csrf, body))
        }
        Err(error) => {
            state.web_nonces.release(&nonce);
            let (id, en) = error.messages();
            fail(error.status(), if lang == Lang::Id { &id } else { &en })
        }
    }
}

// ----- person -------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct PurposeParam {
    purpose: Option<String>,
    identity_basis: Option<String>,
}

async fn person_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(nik): axum::extract::Path<String>,
    Query(param): Query<PurposeParam>,
) -> Response {
    let lang = lang(&headers);
    let Some((user, token)) = session(&state, &headers).await else { return redirect("/login") };
    let csrf = csrf_for(&token);
    if !user.role.allows(Permission::ReadPersonal) {
        return forbidden(lang, t(lang, "person"), &user, &csrf);
    }
    // The purpose is given once per task and then remembered, not asked per click.
    let purpose = param
        .purpose
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .or_else(|| cookie(&headers, "waspada_purpose").map(decode).filter(|p| !p.trim().is_empty()));
    let Some(purpose) = purpose else {
        let body = html! {
            form method="get" class="card" {
                p { (t(lang, "give_purpose")) }
                label for="purpose" { (t(lang, "purpose")) }
                input #purpose name="purpose" required autofocus;
                button type="submit" { (t(lang, "continue")) }
            }
        };
        return html_response(StatusCode::OK, page(lang, t(lang, "person"), Some(&user), &csrf, body));
    };
    let Ok(nik) = waspada_domain::Nik::parse(&nik) else {
        let body = html! { p.error role="alert" { "NIK?" } };
        return html_response(StatusCode::BAD_REQUEST, page(lang, t(lang, "person"), Some(&user), &csrf, body));
    };
    let basis =
        crate::pseudonyms::IdentityBasis(param.identity_basis.map(|b| b.trim().to_owned()).filter(|b| !b.is_empty()));
    let (disclosure, context) =
        match crate::pseudonyms::disclosure(&state, &user, &Purpose(purpose.clone()), &basis).await {
            Ok(decided) => decided,
            Err(error) => {
                let message = error.messages();
                let text = if lang == Lang::Id { message.0 } else { message.1 };
                let body = html! { p.error role="alert" { (text) } p { a href="/check" { (t(lang, "back")) } } };
                return html_response(error.status(), page(lang, t(lang, "person"), Some(&user), &csrf, body));
            }
        };
    // A page found by NIK is identity work: an analyst states the basis first (nothing is read).
    if disclosure == crate::pseudonyms::Disclosure::Pseudonymised {
        let body = html! {
            form method="get" class="card" #pseudonymised {
                p { (t(lang, "pseudonymised")) }
                input type="hidden" name="purpose" value=(purpose);
                label for="identity_basis" { (t(lang, "identity_basis")) }
                input #identity_basis name="identity_basis" required autofocus placeholder="KS-2026-0001 / surat …";
                button type="submit" { (t(lang, "show_identities")) }
            }
        };
        return html_response(StatusCode::OK, page(lang, t(lang, "person"), Some(&user), &csrf, body));
    }
    let store = state.store.clone();
    let found =
        tokio::task::spawn_blocking(move || -> Result<Option<crate::dto::TimelineDto>, waspada_store::Error> {
            let Some(person) = store.person_by_nik(&nik, &context)? else { return Ok(None) };
            Ok(store.timeline(person.id, &context)?.as_ref().map(crate::dto::TimelineDto::from))
        })
        .await
        .ok()
        .and_then(Result::ok)
        .flatten();
    let Some(timeline) = found else {
        let body = html! { p { (t(lang, "not_found")) } p { a href="/check" { (t(lang, "back")) } } };
        return html_response(StatusCode::NOT_FOUND, page(lang, t(lang, "person"), Some(&user), &csrf, body));
    };
    let companions: Vec<String> = timeline.crossings.iter().flat_map(|c| c.companions.iter().cloned()).collect();
    let linked = state.engine.read().map(|e| e.linked(&timeline.person.nik, &companions)).unwrap_or_default();
    // Linked persons are third parties shown on this page: their disclosure is audited too, and
    // the page is not shown if that cannot be recorded.
    if !linked.is_empty() {
        let niks: Vec<waspada_domain::Nik> =
            linked.iter().filter_map(|(nik, _, _)| waspada_domain::Nik::parse(nik).ok()).collect();
        let Ok(context) = user.context(&Purpose(purpose.clone())) else { return redirect("/check") };
        let store = state.store.clone();
        let of = timeline.person.id;
        let recorded = tokio::task::spawn_blocking(move || store.audit_linked(&context, of, &niks)).await;
        if !matches!(recorded, Ok(Ok(()))) {
            let body = html! { p.error role="alert" { (t(lang, "audit_failed")) } };
            return html_response(
                StatusCode::SERVICE_UNAVAILABLE,
                page(lang, t(lang, "person"), Some(&user), &csrf, body),
            );
        }
    }
    let p = &timeline.person;
    let body = html! {
        h1 { (p.full_name) }
        section.card #identity {
            p { "NIK " (p.nik) " · " (p.date_of_birth) " · " (p.sex) @if let Some(r) = &p.region_name { " · " (r) } }
            @if !p.aliases.is_empty() { p.small { (p.aliases.join(", ")) } }
            @if let Some(a) = &p.address { p.small { (a) } }
        }
        section.card #documents {
            h2 { (t(lang, "documents")) }
            @if timeline.documents.is_empty() { p { (t(lang, "none")) } }
            table { tbody { @for d in &timeline.documents {
                tr { td { (d.kind) } td { (d.number) " " (d.issuing_state) } td { (d.issue_date) " – " (d.expiry_date) }
                     td class=(format!("status-{}", d.status)) { (d.status) @if let Some(r) = &d.status_reason { ": " (r) } } }
            } } }
        }
        section.card #applications {
            h2 { (t(lang, "applications")) }
            @if timeline.applications.is_empty() { p { (t(lang, "none")) } }
            @for a in &timeline.applications {
                div.finding {
                    p { strong { (a.applied_on) " · " (a.reference) } " · " (a.office) " · " (a.purpose) " → " (a.destination)
                        @if let Some(s) = &a.sponsor { " · " (s) } }
                    @if let Some(n) = &a.interview_notes { p.small { (n) } }
                    @if let Some(d) = &a.decision {
                        p.small { (t(lang, "decision")) ": " strong { (d.outcome) } " · " (d.officer) " · " (d.decided_at)
                            @if let Some(r) = &d.reason { " · " (r) } @if let Some(b) = &d.legal_basis { " · " (b) } }
                    }
                }
            }
        }
        section.card #crossings {
            h2 { (t(lang, "crossings")) }
            @if timeline.crossings.is_empty() { p { (t(lang, "none")) } }
            table { tbody { @for c in &timeline.crossings {
                tr { td { (c.crossed_at) } td { (c.direction) } td { (c.checkpoint) } td { (c.carrier.clone().unwrap_or_default()) " " (c.voyage.clone().unwrap_or_default()) }
                     td { (c.document_number) } td.small { (c.companions.join(", ")) } }
            } } }
        }
        section.card #linked {
            h2 { (t(lang, "linked")) }
            @if linked.is_empty() { p { (t(lang, "none")) } }
            ul { @for (nik, name, why) in &linked {
                li { a href=(format!("/person/{nik}")) { (name) } " · " (t(lang, why)) }
            } }
        }
        p { a href="/check" { (t(lang, "back")) } }
    };
    let mut response = html_response(StatusCode::OK, page(lang, t(lang, "person"), Some(&user), &csrf, body));
    remember_purpose(&mut response, &purpose);
    response
}

// ----- audit --------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct AuditFilter {
    actor: Option<String>,
    action: Option<String>,
    subject: Option<String>,
    /// A NIK, or a person id as `person:42`.
    person: Option<String>,
    since: Option<String>,
    until: Option<String>,
}

async fn audit_page(State(state): State<AppState>, headers: HeaderMap, Query(filter): Query<AuditFilter>) -> Response {
    audit_view(state, headers, filter, None).await
}

async fn audit_verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let lang = lang(&headers);
    let Some((user, token)) = session(&state, &headers).await else { return expired(lang) };
    if !user.role.allows(Permission::ReadAudit) {
        return forbidden(lang, t(lang, "audit"), &user, &csrf_for(&token));
    }
    if !form.is_ok_and(|Form(f)| f.csrf == csrf_for(&token)) {
        return redirect("/audit");
    }
    let store = state.store.clone();
    let verdict = tokio::task::spawn_blocking(move || store.verify_audit()).await.ok().and_then(Result::ok);
    audit_view(state, headers, AuditFilter::default(), verdict).await
}

async fn audit_view(
    state: AppState,
    headers: HeaderMap,
    filter: AuditFilter,
    verdict: Option<AuditVerdict>,
) -> Response {
    let lang = lang(&headers);
    let Some((user, token)) = session(&state, &headers).await else { return redirect("/login") };
    let csrf = csrf_for(&token);
    if !user.role.allows(Permission::ReadAudit) {
        return forbidden(lang, t(lang, "audit"), &user, &csrf);
    }
    let clean = |v: &Option<String>| v.as_ref().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let (since, until) = match (
        crate::api::audit_time("since", filter.since.as_deref()),
        crate::api::audit_time("until", filter.until.as_deref()),
    ) {
        (Ok(since), Ok(until)) => (since, until),
        (Err(e), _) | (_, Err(e)) => {
            let (id, en) = e.messages();
            let body = html! { p.error role="alert" { (if lang == Lang::Id { id } else { en }) } p { a href="/audit" { (t(lang, "audit")) } } };
            return html_response(StatusCode::BAD_REQUEST, page(lang, t(lang, "audit"), Some(&user), &csrf, body));
        }
    };
    // A NIK is turned into the person's id (the log names ids, never NIKs); the look-up is itself
    // audited, with the purpose "audit review".
    let person = match clean(&filter.person) {
        None => None,
        Some(text) => match resolve_person(&state, &user, &text).await {
            Some(id) => Some(id),
            None => {
                let body = html! {
                    p.error role="alert" { (t(lang, "person_unknown")) }
                    p { a href="/audit" { (t(lang, "audit")) } }
                };
                return html_response(StatusCode::NOT_FOUND, page(lang, t(lang, "audit"), Some(&user), &csrf, body));
            }
        },
    };
    let query = AuditQuery {
        actor: clean(&filter.actor),
        action: clean(&filter.action),
        subject: clean(&filter.subject),
        person,
        before_seq: None,
        since,
        until,
        limit: 200,
    };
    let store = state.store.clone();
    let entries = tokio::task::spawn_blocking(move || store.audit_entries(&query))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let body = html! {
        h1 { (t(lang, "audit")) }
        @if let Some(verdict) = &verdict {
            @match verdict {
                AuditVerdict::Intact { entries, checkpoints } => p.notice #verdict { (t(lang, "intact")) " (" (entries) "; " (checkpoints) " " (t(lang, "checkpoints")) ")" },
                AuditVerdict::Broken { seq, reason } => p.error #verdict { (t(lang, "broken")) ": #" (seq) " " (reason) },
            }
        }
        form method="get" action="/audit" class="card row" {
            div { label for="actor" { (t(lang, "actor")) } input #actor name="actor" value=(filter.actor.clone().unwrap_or_default()); }
            div { label for="action" { (t(lang, "action")) } input #action name="action" value=(filter.action.clone().unwrap_or_default()); }
            div { label for="subject" { (t(lang, "subject")) } input #subject name="subject" value=(filter.subject.clone().unwrap_or_default()); }
            div { label for="person" { (t(lang, "person_filter")) } input #person name="person" inputmode="numeric" placeholder="NIK / person:42" value=(filter.person.clone().unwrap_or_default()); }
            div { label for="since" { (t(lang, "since")) } input #since name="since" type="date" value=(filter.since.clone().unwrap_or_default()); }
            div { label for="until" { (t(lang, "until")) } input #until name="until" type="date" value=(filter.until.clone().unwrap_or_default()); }
            button type="submit" { (t(lang, "filter")) }
        }
        form method="post" action="/audit/verify" class="inline" {
            input type="hidden" name="csrf" value=(csrf);
            button type="submit" #verify { (t(lang, "verify")) }
        }
        table #audit-table {
            thead { tr { th { "#" } th { (t(lang, "when")) } th { (t(lang, "actor")) } th { (t(lang, "action")) } th { (t(lang, "subject")) } th { (t(lang, "purpose")) } } }
            tbody {
                @for e in &entries {
                    tr { td { (e.seq) } td { (e.at) } td { (e.actor) } td { (e.action) } td { (e.subject) } td { (e.purpose) } }
                }
            }
        }
    };
    html_response(StatusCode::OK, page(lang, t(lang, "audit"), Some(&user), &csrf, body))
}

/// The person id for the audit filter: `person:42`, or a NIK looked up in the store.
async fn resolve_person(state: &AppState, user: &CurrentUser, text: &str) -> Option<i64> {
    if let Some(id) = text.strip_prefix("person:") {
        return id.trim().parse().ok();
    }
    let nik = waspada_domain::Nik::parse(text).ok()?;
    let context = AuditContext::new(user.username.clone(), "audit review").ok()?;
    let store = state.store.clone();
    let person = tokio::task::spawn_blocking(move || store.person_by_nik(&nik, &context)).await.ok()?.ok()??;
    Some(person.id)
}

/// The breach log for the DPO and supervisors: deadlines first, with the notification texts.
async fn breaches_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    breaches_view(&state, &headers, StatusCode::OK, None, &BreachForm::default()).await
}

/// The incident form; kept as typed when it is refused.
#[derive(Deserialize, Default)]
struct BreachForm {
    #[serde(default)]
    csrf: String,
    /// `YYYY-MM-DDTHH:MM` in WIB (the browser's date-time field) or RFC 3339.
    #[serde(default)]
    detected_at: String,
    #[serde(default)]
    category: String,
    /// Internal ids (`person:42`), separated by commas, spaces or lines.
    #[serde(default)]
    affected: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    measures: String,
    #[serde(default)]
    contact: String,
}

/// A time the DPO typed: RFC 3339, or a date-time field's `YYYY-MM-DDTHH:MM` read as WIB (UTC+7,
/// Bengkulu's time), which is what the office's clocks show.
fn parse_detected_at(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let text = text.trim();
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&chrono::Utc));
    }
    let local = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").ok()?;
    let wib = chrono::FixedOffset::east_opt(7 * 3600)?;
    local.and_local_timezone(wib).single().map(|at| at.with_timezone(&chrono::Utc))
}

fn breach_form(lang: Lang, csrf: &str, form: &BreachForm) -> Markup {
    html! {
        form method="post" action="/breaches" class="card" id="record-breach" {
            h2 { (t(lang, "br_record")) }
            input type="hidden" name="csrf" value=(csrf);
            div.row {
                div {
                    label for="detected_at" { (t(lang, "br_detected_at")) }
                    input #detected_at type="datetime-local" name="detected_at" value=(form.detected_at) required;
                }
                div {
                    label for="category" { (t(lang, "br_category")) }
                    select #category name="category" {
                        @for (code, key) in [("confidentiality", "br_confidentiality"), ("integrity", "br_integrity"), ("availability", "br_availability")] {
                            option value=(code) selected[form.category == code] { (t(lang, key)) }
                        }
                    }
                }
            }
            label for="affected" { (t(lang, "br_affected")) }
            input #affected name="affected" value=(form.affected) placeholder="person:42, document:7";
            label for="description" { (t(lang, "br_description")) }
            textarea #description name="description" rows="3" required { (form.description) }
            label for="measures" { (t(lang, "br_measures")) }
            textarea #measures name="measures" rows="2" { (form.measures) }
            label for="contact" { (t(lang, "br_contact")) }
            input #contact name="contact" value=(form.contact);
            button type="submit" { (t(lang, "br_record")) }
        }
    }
}

async fn breaches_view(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    message: Option<String>,
    form: &BreachForm,
) -> Response {
    let lang = lang(headers);
    let Some((user, token)) = session(state, headers).await else { return redirect("/login") };
    let csrf = csrf_for(&token);
    if !user.role.allows(Permission::ReadAudit) {
        return forbidden(lang, t(lang, "breaches"), &user, &csrf);
    }
    let Ok(context) = AuditContext::new(user.username.clone(), "breach review") else { return redirect("/") };
    let store = state.store.clone();
    let Ok(Ok(breaches)) = tokio::task::spawn_blocking(move || store.breaches(&context)).await else {
        let body = html! { p.error role="alert" { (t(lang, "audit_failed")) } };
        return html_response(
            StatusCode::SERVICE_UNAVAILABLE,
            page(lang, t(lang, "breaches"), Some(&user), &csrf, body),
        );
    };
    let now = chrono::Utc::now();
    let english = lang == Lang::En;
    let may_record = user.role.allows(Permission::ManageBreaches);
    use crate::breach::{Audience, notice};
    let body = html! {
        h1 { (t(lang, "breaches")) }
        @if let Some(message) = &message { p.error role="alert" { (message) } }
        @if may_record { (breach_form(lang, &csrf, form)) }
        @if breaches.is_empty() { p { (t(lang, "no_breaches")) } }
        @for b in &breaches {
            @let state_key = if b.overdue(now) { "overdue" } else if b.authority_notified_at.is_some() && b.subjects_notified_at.is_some() { "notified" } else { "open" };
            section.card id=(b.reference) {
                h2 { (b.reference) " · " span class=(if state_key == "overdue" { "error" } else { "" }) { (t(lang, state_key)) } }
                p { (t(lang, "detected")) " " (b.detected_at) " · " (t(lang, "notify_by")) " " strong { (b.notify_by) } " · " (b.category.code()) " · " (b.affected.len()) " " (t(lang, "records")) }
                p.small {
                    (t(lang, "br_to_authority")) ": " (b.authority_notified_at.as_deref().unwrap_or("—"))
                    " · " (t(lang, "br_to_subjects")) ": " (b.subjects_notified_at.as_deref().unwrap_or("—"))
                }
                details { summary { (t(lang, "notice_authority")) } pre { (notice(b, Audience::Authority, english)) } }
                details { summary { (t(lang, "notice_subjects")) } pre { (notice(b, Audience::Subjects, english)) } }
                @if may_record {
                    @for (to, key, done) in [("authority", "br_mark_authority", b.authority_notified_at.is_some()), ("subjects", "br_mark_subjects", b.subjects_notified_at.is_some())] {
                        @if !done {
                            form method="post" action=(format!("/breaches/{}/notified", b.reference)) class="inline" {
                                input type="hidden" name="csrf" value=(csrf);
                                input type="hidden" name="to" value=(to);
                                button type="submit" { (t(lang, key)) }
                            }
                        }
                    }
                }
            }
        }
    };
    html_response(status, page(lang, t(lang, "breaches"), Some(&user), &csrf, body))
}

/// Records an incident from the form (the DPO, a supervisor or an administrator).
async fn breach_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<BreachForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let lang = lang(&headers);
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let Some((user, token)) = session(&state, &headers).await else { return expired(lang) };
    if form.csrf != csrf_for(&token) {
        return breaches_view(&state, &headers, StatusCode::FORBIDDEN, Some(t(lang, "csrf").into()), &form).await;
    }
    if !user.role.allows(Permission::ManageBreaches) {
        return forbidden(lang, t(lang, "breaches"), &user, &csrf_for(&token));
    }
    let refuse = |message: String| breaches_view(&state, &headers, StatusCode::BAD_REQUEST, Some(message), &form);
    let Some(detected_at) = parse_detected_at(&form.detected_at) else {
        return refuse(t(lang, "br_bad_time").into()).await;
    };
    if detected_at > chrono::Utc::now() + chrono::Duration::minutes(5) {
        return refuse(t(lang, "br_future").into()).await;
    }
    let Some(category) = waspada_store::BreachCategory::parse(&form.category) else {
        return refuse(t(lang, "br_category").into()).await;
    };
    let report = waspada_store::BreachReport {
        detected_at,
        category,
        affected: form
            .affected
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        description: form.description.clone(),
        measures: form.measures.clone(),
        contact: form.contact.clone(),
    };
    let Ok(context) = AuditContext::new(user.username.clone(), "breach management") else { return redirect("/") };
    let store = state.store.clone();
    match tokio::task::spawn_blocking(move || store.record_breach(&report, &context)).await {
        Ok(Ok(breach)) => redirect(&format!("/breaches#{}", breach.reference)),
        Ok(Err(waspada_store::Error::Config(message))) => refuse(message).await,
        _ => refuse(t(lang, "audit_failed").into()).await,
    }
}

#[derive(Deserialize, Default)]
struct NotifiedForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    to: String,
}

/// Records that a notice went out (to the authority or to the persons concerned).
async fn breach_notified(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(reference): axum::extract::Path<String>,
    form: Result<Form<NotifiedForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let lang = lang(&headers);
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let Some((user, token)) = session(&state, &headers).await else { return expired(lang) };
    let blank = BreachForm::default();
    if form.csrf != csrf_for(&token) {
        return breaches_view(&state, &headers, StatusCode::FORBIDDEN, Some(t(lang, "csrf").into()), &blank).await;
    }
    if !user.role.allows(Permission::ManageBreaches) {
        return forbidden(lang, t(lang, "breaches"), &user, &csrf_for(&token));
    }
    let whom = match form.to.as_str() {
        "authority" => waspada_store::Notified::Authority,
        "subjects" => waspada_store::Notified::Subjects,
        _ => return breaches_view(&state, &headers, StatusCode::BAD_REQUEST, Some("to?".into()), &blank).await,
    };
    let Ok(context) = AuditContext::new(user.username.clone(), "breach management") else { return redirect("/") };
    let store = state.store.clone();
    let lookup = reference.clone();
    match tokio::task::spawn_blocking(move || store.breach_notified(&lookup, whom, &context)).await {
        Ok(Ok(())) => redirect(&format!("/breaches#{reference}")),
        Ok(Err(waspada_store::Error::NotFound { .. })) => {
            breaches_view(&state, &headers, StatusCode::NOT_FOUND, Some(t(lang, "not_found").into()), &blank).await
        }
        Ok(Err(waspada_store::Error::Config(message))) => {
            breaches_view(&state, &headers, StatusCode::CONFLICT, Some(message), &blank).await
        }
        _ => {
            breaches_view(
                &state,
                &headers,
                StatusCode::SERVICE_UNAVAILABLE,
                Some(t(lang, "audit_failed").into()),
                &blank,
            )
            .await
        }
    }
}

/// Today's entries of one audit action (newest first, at most 1,000).
async fn today(state: &AppState, action: &str) -> Vec<waspada_store::AuditEntry> {
    let day = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let query = AuditQuery {
        actor: None,
        action: Some(action.to_owned()),
        subject: None,
        person: None,
        before_seq: None,
        since: Some(format!("{day}T00:00:00")),
        until: None,
        limit: 1000,
    };
    let store = state.store.clone();
    let entries = tokio::task::spawn_blocking(move || store.audit_entries(&query))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    entries.into_iter().filter(|e| e.at.starts_with(&day)).collect()
}

/// A bar chart of 24 hourly counts, drawn on the server as SVG.
fn hourly_chart(counts: &[u32; 24], label: &str) -> Markup {
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    html! {
        svg viewBox="0 0 480 130" width="100%" role="img" aria-label=(label) {
            @for (hour, &n) in counts.iter().enumerate() {
                @let height = 100 * n / max;
                rect x=(hour * 20 + 2) y=(105 - height) width="16" height=(height) fill="#1d4e89" { title { (format!("{hour:02}:00 — {n}")) } }
                @if hour % 3 == 0 { text x=(hour * 20 + 2) y="122" font-size="10" { (format!("{hour:02}")) } }
            }
        }
    }
}

async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = lang(&headers);
    let Some((user, token)) = session(&state, &headers).await else { return redirect("/login") };
    let csrf = csrf_for(&token);
    let checks = today(&state, "check.result").await;
    let decisions = today(&state, "decision.record").await;
    let mut per_hour = [0u32; 24];
    for e in &checks {
        if let Some(hour) = e.at.get(11..13).and_then(|h| h.parse::<usize>().ok()).filter(|h| *h < 24) {
            per_hour[hour] += 1;
        }
    }
    let interviews = checks.iter().filter(|e| !e.detail.contains("recommendation=proceed")).count();
    let with_hits = checks.iter().filter(|e| !e.detail.contains("hits=0")).count();
    let count = |outcome: &str| decisions.iter().filter(|e| e.detail == format!("outcome={outcome}")).count();
    let body = html! {
        h1 { (t(lang, "today")) }
        section.row {
            div.card.stat #stat-checks { span.big { (checks.len()) } " " (t(lang, "checks_today")) }
            div.card.stat #stat-interviews { span.big { (interviews) } " " (t(lang, "open_interviews")) }
            div.card.stat #stat-hits { span.big { (with_hits) } " " (t(lang, "hits_today")) }
            div.card.stat #stat-decisions {
                span.big { (decisions.len()) } " " (t(lang, "decisions_today"))
                p.small { (t(lang, "issued")) " " (count("issued")) " · " (t(lang, "delayed")) " " (count("delayed")) " · " (t(lang, "refused")) " " (count("refused")) }
            }
        }
        section.card { h2 { (t(lang, "per_hour")) } (hourly_chart(&per_hour, t(lang, "per_hour"))) }
        p { a href="/check" { (t(lang, "check")) } }
    };
    html_response(StatusCode::OK, page(lang, t(lang, "home"), Some(&user), &csrf, body))
}

// ----- watchlist and policy -----------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
struct WatchForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    aliases: String,
    #[serde(default)]
    date_of_birth: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    nationality: String,
    #[serde(default)]
    document_number: String,
    #[serde(default)]
    nik: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_until: String,
    #[serde(default)]
    source: String,
    /// `expire` ends the entry today instead of saving the fields.
    #[serde(default)]
    action: String,
}

async fn watchlist_entries(state: &AppState, user: &CurrentUser) -> Vec<waspada_domain::WatchlistEntry> {
    let Ok(context) = AuditContext::new(user.username.clone(), "watchlist management") else { return Vec::new() };
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || {
        let mut all = Vec::new();
        let _ = store.export(
            waspada_store::ImportKind::Watchlist,
            &context,
            |e: waspada_store::Stored<waspada_domain::WatchlistEntry>| {
                all.push(e.record);
                Ok(())
            },
        );
        all
    })
    .await
    .unwrap_or_default()
}

#[derive(Deserialize, Default)]
struct WatchlistParams {
    /// The id of the entry to edit: the form is filled with it.
    edit: Option<String>,
    /// Show only entries whose id, name or alias contains this (any case).
    q: Option<String>,
}

/// Rows of the watchlist table shown at once: the page stays light however long the list is.
const WATCHLIST_ROWS: usize = 100;

async fn watchlist_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<WatchlistParams>,
) -> Response {
    let search = params.q.unwrap_or_default();
    let prefill = match params.edit.filter(|id| !id.trim().is_empty()) {
        Some(id) => WatchPrefill::EditId(id.trim().to_owned()),
        None => WatchPrefill::None,
    };
    watchlist_view_with(state, headers, None, StatusCode::OK, Vec::new(), prefill, &search).await
}

/// What the watchlist page's forms start with.
enum WatchPrefill {
    /// Empty forms.
    None,
    /// The entry form filled from the stored entry with this id, its id fixed (404 if none).
    EditId(String),
    /// What the user typed, after it was refused (nothing typed is lost).
    Typed(Box<WatchForm>),
    /// The pasted CSV, after some of its lines were refused.
    Pasted(String),
}

impl WatchForm {
    fn from_entry(e: &waspada_domain::WatchlistEntry) -> WatchForm {
        WatchForm {
            id: e.external_id.clone(),
            category: e.category.code().to_owned(),
            full_name: e.full_name.as_str().to_owned(),
            aliases: e.aliases.iter().map(|a| a.as_str()).collect::<Vec<_>>().join("|"),
            date_of_birth: e.date_of_birth.as_ref().map(ToString::to_string).unwrap_or_default(),
            sex: e.sex.map(|s| s.code().to_string()).unwrap_or_default(),
            nationality: e.nationality.as_ref().map(ToString::to_string).unwrap_or_default(),
            document_number: e.document_number.as_ref().map(|n| n.as_str().to_owned()).unwrap_or_default(),
            nik: e.nik.as_ref().map(|n| n.as_str().to_owned()).unwrap_or_default(),
            legal_basis: e.legal_basis.clone(),
            valid_from: e.valid_from.to_string(),
            valid_until: e.valid_until.map(|d| d.to_string()).unwrap_or_default(),
            source: e.source.clone().unwrap_or_default(),
            ..WatchForm::default()
        }
    }
}

async fn watchlist_view(
    state: AppState,
    headers: HeaderMap,
    message: Option<(bool, String)>,
    status: StatusCode,
) -> Response {
    watchlist_view_with(state, headers, message, status, Vec::new(), WatchPrefill::None, "").await
}

#[derive(Deserialize, Default)]
struct ImportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    csv: String,
}

/// Pasted CSV in the watchlist import columns: good rows are saved, bad ones listed by line.
async fn watchlist_import(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<ImportForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let lang = lang(&headers);
    let Some((user, token)) = session(&state, &headers).await else { return expired(lang) };
    let form = form.map(|Form(f)| f).unwrap_or_default();
    if form.csrf != csrf_for(&token) {
        return watchlist_view(state, headers, Some((false, t(lang, "csrf").into())), StatusCode::FORBIDDEN).await;
    }
    if !user.role.allows(Permission::ManageWatchlist) {
        return watchlist_view(state, headers, Some((false, t(lang, "forbidden").into())), StatusCode::FORBIDDEN).await;
    }
    let today = chrono::Utc::now().date_naive();
    let reader = match waspada_formats::Reader::new(
        waspada_formats::Kind::Watchlist,
        waspada_formats::FileFormat::Csv,
        form.csv.trim_start().as_bytes(),
        today,
    ) {
        Ok(reader) => reader,
        Err(error) => {
            return watchlist_view(state, headers, Some((false, error.to_string())), StatusCode::BAD_REQUEST).await;
        }
    };
    let mut records = Vec::new();
    let mut lines = Vec::new();
    let mut rejections: Vec<(u64, String)> = Vec::new();
    for (line, row) in reader {
        match row {
            Ok(record) => {
                lines.push(line);
                records.push(record);
            }
            Err(reason) => rejections.push((line, reason)),
        }
    }
    let Ok(context) = AuditContext::new(user.username.clone(), "watchlist import") else {
        return redirect("/watchlist");
    };
    let store = state.store.clone();
    let kept = records.clone();
    let outcomes = tokio::task::spawn_blocking(move || {
        crate::api::import_records(
            &store,
            waspada_formats::Kind::Watchlist,
            records,
            waspada_store::ConflictPolicy::Update,
            &context,
        )
    })
    .await;
    let Ok(Ok(outcomes)) = outcomes else {
        return watchlist_view(state, headers, Some((false, "error".into())), StatusCode::INTERNAL_SERVER_ERROR).await;
    };
    let mut saved = Vec::new();
    for ((line, record), outcome) in lines.into_iter().zip(kept).zip(outcomes) {
        match outcome {
            waspada_store::RowOutcome::Rejected(reason) => rejections.push((line, reason)),
            _ => saved.push(record),
        }
    }
    rejections.sort_by_key(|(line, _)| *line);
    let saved_count = saved.len();
    let engine = state.engine.clone();
    let _ = tokio::task::spawn_blocking(move || {
        crate::checks::absorb(&engine, waspada_formats::Kind::Watchlist, &saved);
    })
    .await;
    let message = format!("{saved_count} {}, {} {}", t(lang, "imported"), rejections.len(), t(lang, "rejected"));
    let status = if rejections.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    // The pasted text stays in the box when lines were refused, so they can be corrected and sent
    // again (the saved lines then come back as unchanged).
    let prefill = if rejections.is_empty() { WatchPrefill::None } else { WatchPrefill::Pasted(form.csv) };
    watchlist_view_with(state, headers, Some((rejections.is_empty(), message)), status, rejections, prefill, "").await
}

async fn watchlist_view_with(
    state: AppState,
    headers: HeaderMap,
    message: Option<(bool, String)>,
    status: StatusCode,
    rejections: Vec<(u64, String)>,
    prefill: WatchPrefill,
    search: &str,
) -> Response {
    let lang = lang(&headers);
    let Some((user, token)) = session(&state, &headers).await else { return redirect("/login") };
    let csrf = csrf_for(&token);
    if !user.role.allows(Permission::ManageWatchlist) {
        return forbidden(lang, t(lang, "watchlist"), &user, &csrf);
    }
    let entries = watchlist_entries(&state, &user).await;
    let (mut message, mut status) = (message, status);
    let (typed, editing, pasted) = match prefill {
        WatchPrefill::None => (WatchForm::default(), false, String::new()),
        WatchPrefill::EditId(id) => match entries.iter().find(|e| e.external_id == id) {
            Some(entry) => (WatchForm::from_entry(entry), true, String::new()),
            None => {
                message = Some((false, t(lang, "not_found").into()));
                status = StatusCode::NOT_FOUND;
                (WatchForm::default(), false, String::new())
            }
        },
        WatchPrefill::Typed(form) => (*form, false, String::new()),
        WatchPrefill::Pasted(text) => (WatchForm::default(), false, text),
    };
    let total = entries.len();
    let needle = search.trim().to_lowercase();
    let matching: Vec<&waspada_domain::WatchlistEntry> = entries
        .iter()
        .filter(|e| {
            needle.is_empty()
                || e.external_id.to_lowercase().contains(&needle)
                || std::iter::once(&e.full_name).chain(&e.aliases).any(|n| n.as_str().to_lowercase().contains(&needle))
        })
        .collect();
    let shown = &matching[..matching.len().min(WATCHLIST_ROWS)];
    let today = chrono::Utc::now().date_naive();
    let or = |value: &str, default: &str| if value.trim().is_empty() { default.to_owned() } else { value.to_owned() };
    let body = html! {
        h1 { (t(lang, "watchlist")) }
        @if let Some((ok, text)) = &message { p class=(if *ok { "notice" } else { "error" }) role="status" #watch-message { (text) } }
        form method="post" action="/watchlist" class="card" #watch-form {
            h2 { (t(lang, if editing { "edit_entry" } else { "add_entry" })) }
            input type="hidden" name="csrf" value=(csrf);
            div.row {
                div { label for="id" { "ID" } input #id name="id" required value=(typed.id) readonly[editing]; }
                div { label for="category" { (t(lang, "category")) }
                    select #category name="category" {
                        @for c in ["pencegahan", "penangkalan", "person_of_interest", "interpol_notice"] { option value=(c) selected[typed.category == c] { (c) } }
                    } }
                div { label for="full_name" { (t(lang, "name")) } input #full_name name="full_name" required value=(typed.full_name); }
                div { label for="aliases" { (t(lang, "aliases")) } input #aliases name="aliases" value=(typed.aliases); }
                div { label for="date_of_birth" { (t(lang, "born")) } input #date_of_birth name="date_of_birth" placeholder="1980 / 1980-05-17" value=(typed.date_of_birth); }
                div { label for="sex" { (t(lang, "sex")) } input #sex name="sex" maxlength="1" value=(typed.sex); }
                div { label for="nationality" { (t(lang, "nationality")) } input #nationality name="nationality" value=(or(&typed.nationality, if editing { "" } else { "IDN" })) maxlength="3"; }
                div { label for="document_number" { (t(lang, "document")) } input #document_number name="document_number" value=(typed.document_number); }
                div { label for="nik" { "NIK" } input #nik name="nik" inputmode="numeric" value=(typed.nik); }
                div { label for="legal_basis" { (t(lang, "legal_basis")) } input #legal_basis name="legal_basis" required value=(typed.legal_basis); }
                div { label for="valid_from" { (t(lang, "valid_from")) } input #valid_from name="valid_from" type="date" value=(or(&typed.valid_from, &today.to_string())) required; }
                div { label for="valid_until" { (t(lang, "valid_until")) } input #valid_until name="valid_until" type="date" value=(typed.valid_until); }
            }
            input type="hidden" name="source" value=(typed.source);
            button type="submit" { (t(lang, if editing { "save" } else { "add_entry" })) }
            @if editing { " " a href="/watchlist" { (t(lang, "cancel")) } }
        }
        form method="post" action="/watchlist/import" class="card" #import-form {
            input type="hidden" name="csrf" value=(csrf);
            label for="csv" { (t(lang, "import_csv")) }
            textarea #csv name="csv" rows="4" spellcheck="false"
                placeholder="id,category,full_name,aliases,date_of_birth,sex,nationality,document_number,legal_basis,valid_from,valid_until" { (pasted) }
            button type="submit" { (t(lang, "import")) }
        }
        @if !rejections.is_empty() {
            ul.card #import-rejections { @for (line, reason) in &rejections { li.error { (line) ": " (reason) } } }
        }
        form method="get" action="/watchlist" class="card row" #watch-search {
            div { label for="q" { (t(lang, "search_list")) } input #q name="q" type="search" value=(search); }
            button type="submit" { (t(lang, "filter")) }
        }
        p.small #watch-count { (shown.len()) " / " (matching.len()) " " (t(lang, "shown_of")) " " (total)
            @if matching.len() > shown.len() { " · " (t(lang, "refine")) } }
        table #watch-table {
            thead { tr { th { "ID" } th { (t(lang, "category")) } th { (t(lang, "name")) } th { (t(lang, "born")) } th { (t(lang, "legal_basis")) } th { (t(lang, "valid_until")) } th {} } }
            tbody { @for e in shown {
                tr {
                    td { (e.external_id) } td { (e.category.code()) } td { (e.full_name.as_str()) }
                    td { (e.date_of_birth.as_ref().map(ToString::to_string).unwrap_or_default()) } td { (e.legal_basis) }
                    td { (e.valid_until.map(|d| d.to_string()).unwrap_or_default()) }
                    td { @if e.valid_until.is_none_or(|u| u >= today) {
                        a href=(format!("/watchlist?edit={}", encode(&e.external_id))) { (t(lang, "edit")) } " "
                        form method="post" action="/watchlist" class="inline" {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="id" value=(e.external_id);
                            input type="hidden" name="action" value="expire";
                            button type="submit" { (t(lang, "expire")) }
                        }
                    } }
                }
            } }
        }
    };
    html_response(status, page(lang, t(lang, "watchlist"), Some(&user), &csrf, body))
}

async fn watchlist_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<WatchForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let lang = lang(&headers);
    let Some((user, token)) = session(&state, &headers).await else { return expired(lang) };
    let form = form.map(|Form(f)| f).unwrap_or_default();
    if form.csrf != csrf_for(&token) {
        return watchlist_view(state, headers, Some((false, t(lang, "csrf").into())), StatusCode::FORBIDDEN).await;
    }
    if !user.role.allows(Permission::ManageWatchlist) {
        return watchlist_view(state, headers, Some((false, t(lang, "forbidden").into())), StatusCode::FORBIDDEN).await;
    }
    let today = chrono::Utc::now().date_naive();
    let record = if form.action == "expire" {
        // Ending an entry keeps it (and its history) but stops it applying after today.
        let entries = watchlist_entries(&state, &user).await;
        match entries.into_iter().find(|e| e.external_id == form.id) {
            Some(mut entry) => {
                entry.valid_until = Some(today.max(entry.valid_from));
                Ok(waspada_formats::Record::Watchlist(entry))
            }
            None => Err("not found".to_owned()),
        }
    } else {
        let mut object = serde_json::Map::new();
        for (key, value) in [
            ("id", &form.id),
            ("category", &form.category),
            ("full_name", &form.full_name),
            ("aliases", &form.aliases),
            ("date_of_birth", &form.date_of_birth),
            ("sex", &form.sex),
            ("nationality", &form.nationality),
            ("document_number", &form.document_number),
            ("nik", &form.nik),
            ("legal_basis", &form.legal_basis),
            ("valid_from", &form.valid_from),
            ("valid_until", &form.valid_until),
            ("source", &form.source),
        ] {
            if !value.trim().is_empty() {
                object.insert(key.into(), serde_json::Value::String(value.trim().to_owned()));
            }
        }
        waspada_formats::record_from_json(waspada_formats::Kind::Watchlist, &object, today)
    };
    let record = match record {
        Ok(record) => record,
        Err(reason) => {
            let prefill = WatchPrefill::Typed(Box::new(form));
            return watchlist_view_with(
                state,
                headers,
                Some((false, reason)),
                StatusCode::BAD_REQUEST,
                Vec::new(),
                prefill,
                "",
            )
            .await;
        }
    };
    let Ok(context) = AuditContext::new(user.username.clone(), "watchlist management") else {
        return redirect("/watchlist");
    };
    let store = state.store.clone();
    let records = vec![record.clone()];
    let outcome = tokio::task::spawn_blocking(move || {
        crate::api::import_records(
            &store,
            waspada_formats::Kind::Watchlist,
            records,
            waspada_store::ConflictPolicy::Update,
            &context,
        )
    })
    .await;
    match outcome {
        Ok(Ok(outcomes)) if !matches!(outcomes.first(), Some(waspada_store::RowOutcome::Rejected(_))) => {
            let engine = state.engine.clone();
            let _ = tokio::task::spawn_blocking(move || {
                crate::checks::absorb(&engine, waspada_formats::Kind::Watchlist, &[record]);
            })
            .await;
            watchlist_view(state, headers, Some((true, t(lang, "saved").into())), StatusCode::OK).await
        }
        Ok(Ok(outcomes)) => {
            let reason = match outcomes.into_iter().next() {
                Some(waspada_store::RowOutcome::Rejected(r)) => r,
                _ => String::new(),
            };
            let prefill = WatchPrefill::Typed(Box::new(form));
            watchlist_view_with(state, headers, Some((false, reason)), StatusCode::BAD_REQUEST, Vec::new(), prefill, "")
                .await
        }
        _ => watchlist_view(state, headers, Some((false, "error".into())), StatusCode::INTERNAL_SERVER_ERROR).await,
    }
}

async fn policy_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = lang(&headers);
    let Some((user, token)) = session(&state, &headers).await else { return redirect("/login") };
    let csrf = csrf_for(&token);
    if !user.role.allows(Permission::ManageWatchlist) {
        return forbidden(lang, t(lang, "policy"), &user, &csrf);
    }
    let policy = state.engine.read().map(|e| e.policy().clone()).ok();
    let query = AuditQuery {
        actor: None,
        action: Some("policy.load".into()),
        subject: None,
        person: None,
        before_seq: None,
        since: None,
        until: None,
        limit: 50,
    };
    let store = state.store.clone();
    let loads = tokio::task::spawn_blocking(move || store.audit_entries(&query))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let body = html! {
        h1 { (t(lang, "policy")) }
        @if let Some(policy) = &policy {
            p { strong { (policy.version) } " · " (policy.effective_from) " · " (t(lang, "advice")) }
            table #policy-table {
                thead { tr { th { "Kode" } th { (t(lang, "subject")) } th { (t(lang, "weight")) } th { (t(lang, "indicators")) } th { (t(lang, "legal_basis")) } th { (t(lang, "valid_from")) } } }
                tbody { @for i in &policy.indicators {
                    tr { td { (i.code) } td { (format!("{:?}", i.subject)) } td { (i.weight) }
                         td { (if lang == Lang::Id { &i.text_id } else { &i.text_en }) } td { (i.legal_basis) } td { (i.effective_from) } }
                } }
            }
        }
        section.card {
            h2 { (t(lang, "versions")) }
            ul { @for e in &loads { li { (e.at) " · " (e.subject) " · " (e.detail) } } }
        }
    };
    html_response(StatusCode::OK, page(lang, t(lang, "policy"), Some(&user), &csrf, body))
}

/// The embedded style sheet and script, cacheable for a day (they change only with the binary).
async fn asset(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    let (body, kind) = match name.as_str() {
        "waspada.css" => (CSS, "text/css; charset=utf-8"),
        "waspada.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return crate::error::AppError::NotFound.into_response(),
    };
    let mut response = body.into_response();
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(kind));
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    response
}

/// Who may use a page or send a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAccess {
    /// Anyone (sign-in, assets, language).
    Public,
    /// Any signed-in account.
    SignedIn,
    /// Signed-in accounts whose role has this permission.
    Needs(Permission),
}

/// The web app's access table: (method, route as written in the router, who may use it). One
/// middleware ([`check_page_access`]) enforces it before any handler runs, with the same role
/// table as the API (`roles.rs`); the handlers check again. A route without a row here is refused
/// to everyone, and `routes_and_table_agree` fails.
pub const PAGES: &[(&str, &str, PageAccess)] = {
    use PageAccess::{Needs, Public, SignedIn};
    use Permission::*;
    &[
        ("GET", "/", SignedIn),
        ("GET", "/login", Public),
        ("POST", "/login", Public),
        ("GET", "/assets/{name}", Public),
        ("POST", "/logout", Public),
        ("GET", "/lang/{code}", Public),
        ("GET", "/check", Needs(Check)),
        ("POST", "/check", Needs(Check)),
        ("POST", "/decide", Needs(Decide)),
        ("GET", "/audit", Needs(ReadAudit)),
        ("POST", "/audit/verify", Needs(ReadAudit)),
        ("GET", "/breaches", Needs(ReadAudit)),
        ("POST", "/breaches", Needs(ManageBreaches)),
        ("POST", "/breaches/{reference}/notified", Needs(ManageBreaches)),
        ("GET", "/requests", Needs(ManageSubjectRequests)),
        ("POST", "/requests", Needs(ManageSubjectRequests)),
        ("POST", "/requests/{reference}/decide", Needs(ManageSubjectRequests)),
        ("POST", "/requests/{reference}/complete", Needs(ManageSubjectRequests)),
        ("GET", "/requests/{reference}/export", Needs(ManageSubjectRequests)),
        ("GET", "/person/{nik}", Needs(ReadPersonal)),
        ("GET", "/watchlist", Needs(ManageWatchlist)),
        ("POST", "/watchlist", Needs(ManageWatchlist)),
        ("POST", "/watchlist/import", Needs(ManageWatchlist)),
        ("GET", "/policy", Needs(ManageWatchlist)),
        ("GET", "/triage", Needs(ReadReports)),
        ("GET", "/reports/{id}", Needs(ReadReports)),
        ("GET", "/reports/{id}/photos/{photo}", Needs(ReadReports)),
        ("POST", "/reports/{id}/status", Needs(ManageCases)),
        ("POST", "/reports/{id}/link", Needs(ManageCases)),
        ("GET", "/cases", Needs(ManageCases)),
        ("POST", "/cases", Needs(ManageCases)),
        ("GET", "/cases/{id}", Needs(ManageCases)),
        ("POST", "/cases/{id}/party", Needs(ManageCases)),
        ("POST", "/cases/{id}/entry", Needs(ManageCases)),
        ("POST", "/cases/{id}/entry/{entry}/status", Needs(ManageCases)),
        ("POST", "/cases/{id}/close", Needs(ManageCases)),
    ]
};

/// The access a route has in [`PAGES`].
pub fn page_access(method: &str, route: &str) -> Option<PageAccess> {
    PAGES.iter().find(|(m, r, _)| *m == method && *r == route).map(|(_, _, access)| *access)
}

/// Enforces [`PAGES`]. Without a session the request goes on to its handler, which sends the
/// browser to the sign-in page (and keeps a form being sent, see [`Pending`]).
async fn check_page_access(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let route = request.extensions().get::<axum::extract::MatchedPath>().map(|m| m.as_str().to_owned());
    // HEAD is answered as GET is (axum runs the GET handler), so it has GET's row.
    let method = if request.method() == axum::http::Method::HEAD { "GET" } else { request.method().as_str() };
    let access = route.as_deref().and_then(|route| page_access(method, route));
    let lang = lang(request.headers());
    let needed = match access {
        Some(PageAccess::Public) => return next.run(request).await,
        Some(PageAccess::SignedIn) => None,
        Some(PageAccess::Needs(permission)) => Some(permission),
        None => {
            let body = html! { p.error role="alert" { (t(lang, "forbidden")) } };
            return html_response(StatusCode::FORBIDDEN, page(lang, t(lang, "forbidden"), None, "", body));
        }
    };
    let Some((user, token)) = session(&state, request.headers()).await else { return next.run(request).await };
    match needed {
        Some(permission) if !user.role.allows(permission) => {
            forbidden(lang, t(lang, "forbidden"), &user, &csrf_for(&token))
        }
        _ => next.run(request).await,
    }
}

/// The web routes, each with its row in [`PAGES`].
fn routes() -> Vec<(&'static str, axum::routing::MethodRouter<AppState>)> {
    let mut routes = vec![
        ("/", get(home)),
        ("/login", get(login_form).post(login_submit)),
        ("/assets/{name}", get(asset)),
        ("/logout", post(logout)),
        ("/lang/{code}", get(set_lang)),
        ("/check", get(check_page).post(check_submit)),
        ("/decide", post(decide_submit)),
        ("/audit", get(audit_page)),
        ("/person/{nik}", get(person_page)),
        ("/watchlist", get(watchlist_page).post(watchlist_submit)),
        ("/watchlist/import", post(watchlist_import)),
        ("/policy", get(policy_page)),
        ("/audit/verify", post(audit_verify)),
        ("/breaches", get(breaches_page).post(breach_submit)),
        ("/breaches/{reference}/notified", post(breach_notified)),
    ];
    routes.extend(cases::routes());
    routes.extend(requests::routes());
    routes
}

/// The web routes, behind the access table.
pub fn router(state: AppState) -> Router<AppState> {
    let mut router = Router::new();
    for (path, method_router) in routes() {
        router = router.route(path, method_router);
    }
    router.route_layer(axum::middleware::from_fn_with_state(state, check_page_access))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A typed detection time never panics; what is read as a date-time field is WIB.
        #[test]
        fn detection_times_are_read_or_refused(text in "\\PC{0,40}") {
            let _ = parse_detected_at(&text);
        }

        #[test]
        fn date_time_fields_are_wib(day in 1u32..=28, hour in 0u32..24, minute in 0u32..60) {
            let text = format!("2026-11-{day:02}T{hour:02}:{minute:02}");
            let at = parse_detected_at(&text).expect("a date-time field value");
            let wib = at + chrono::Duration::hours(7);
            proptest::prop_assert_eq!(wib.format("%Y-%m-%dT%H:%M").to_string(), text);
        }
    }

    /// Every route has a row in the access table and every row a route (methods are checked by
    /// the web matrix test, which calls each row).
    #[test]
    fn routes_and_table_agree() {
        let routed: HashSet<&str> = routes().iter().map(|(path, _)| *path).collect();
        let tabled: HashSet<&str> = PAGES.iter().map(|(_, path, _)| *path).collect();
        assert_eq!(routed, tabled);
        let mut rows: Vec<(&str, &str)> = PAGES.iter().map(|(m, p, _)| (*m, *p)).collect();
        let n_rows = rows.len();
        rows.sort_unstable();
        rows.dedup();
        assert_eq!(rows.len(), n_rows, "a route is in the table twice");
    }

    /// Every text the pages ask for is in both catalogues.
    #[test]
    fn every_key_used_is_in_the_catalogue() {
        let source = include_str!("web.rs");
        let mut keys = Vec::new();
        for part in source.split("t(lang, \"").skip(1) {
            if let Some(end) = part.find('"') {
                keys.push(&part[..end]);
            }
        }
        assert!(keys.len() > 40, "{}", keys.len());
        for key in keys {
            assert_ne!(t(Lang::Id, key), "?", "{key} missing");
            assert_ne!(t(Lang::En, key), "?", "{key} missing");
        }
        for key in [
            "household",
            "shared_phone",
            "uses_their_phone",
            "contact_phone_owner",
            "companion",
            "issued",
            "delayed",
            "refused",
        ] {
            assert_ne!(t(Lang::Id, key), "?", "{key} missing");
        }
    }

    #[test]
    fn screening_reasons_read_in_indonesian() {
        assert_eq!(
            reason_text(Lang::Id, "name: MUHAMAD ~ MUHAMMAD (spelling variant, 0.97)"),
            "nama: MUHAMAD ~ MUHAMMAD (varian ejaan, 0.97)"
        );
        assert_eq!(reason_text(Lang::Id, "birth year conflicts: 1980 / 1990"), "tahun lahir bertentangan: 1980 / 1990");
        assert_eq!(reason_text(Lang::En, "sex conflicts: M / F"), "sex conflicts: M / F");
    }

    #[test]
    fn one_input_takes_an_mrz_a_nik_or_a_number() {
        assert!(classify("P<IDNSITI<<AMINAH<<<\n C1234567<0IDN").mrz.is_some());
        assert_eq!(classify(" 17.09.01 520894 0001 ").nik.as_deref(), Some("1709015208940001"));
        assert_eq!(classify(" c 123 4567 ").document_number.as_deref(), Some("C1234567"));
    }
}
