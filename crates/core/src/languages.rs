//! Language codes accepted for posts and preferences: ISO 639-1, plus the ISO 639-3
//! codes Mastodon accepts for languages without a two-letter code.

const ISO_639_1: &str = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu";

const ISO_639_3: &str =
    "ast chr ckb cnr csb gsw jbo kab kmr ldn lfn pdc sco sma smj szl tok vai xal zba zgh";

/// Whether `code` is a language this server accepts (`en`, `pt-BR`, `zh-Hant`, `tok`).
pub fn is_valid_language(code: &str) -> bool {
    let (base, region) = match code.find(['-', '_']) {
        Some(i) => (&code[..i], Some(&code[i + 1..])),
        None => (code, None),
    };
    if let Some(region) = region
        && (region.is_empty()
            || region.len() > 8
            || !region.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return false;
    }
    let base = base.to_ascii_lowercase();
    ISO_639_1.split(' ').any(|c| c == base) || ISO_639_3.split(' ').any(|c| c == base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_only() {
        for ok in ["en", "de", "pt-BR", "zh-Hant", "tok", "EN"] {
            assert!(is_valid_language(ok), "{ok}");
        }
        for bad in ["", "xx", "english", "en-", "e", "en-US-x-very-long-tag"] {
            assert!(!is_valid_language(bad), "{bad}");
        }
    }
}
