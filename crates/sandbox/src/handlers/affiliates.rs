//! Affiliates: commissions, affiliations, referrers and e-mail attribution.
