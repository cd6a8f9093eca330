//! The enterprise register (企业名录 / 底数台账): every enterprise of a locality that makes or sells
//! one of the campaign's products, with what it makes, its certificates and why it is a key object.
//!
//! One entry per enterprise, keyed by its USCC. The JSON shape is the one the server stores (each
//! version kept), the devices sync and the import produces; field names are snake_case.

use crate::template::Link;
use serde::{Deserialize, Serialize};

/// Size of the enterprise (the statistical classification 大型/中型/小型/微型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    Large,
    Medium,
    Small,
    Micro,
}

/// Why an enterprise is a key object of the action (the notice's 重点对象).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyFlag {
    /// In a cluster of producers or sellers of the key products (产业集聚区).
    IndustrialCluster,
    /// A sales outlet in a rural market or the urban-rural fringe (农村和城乡结合部).
    RuralMarket,
    /// Concentrated complaints or public-opinion reports (投诉举报、舆情集中).
    Complaints,
    /// Problems found repeatedly in spot checks or inspections (抽查、检查中多次发现问题).
    RepeatedSpotFailures,
    /// A major hidden danger was found before.
    PreviousMajorDanger,
}

/// Kind of certificate an enterprise holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateKind {
    /// 工业产品生产许可证.
    ProductionLicence,
    /// 强制性产品认证证书 (CCC).
    Ccc,
    /// 危险化学品经营许可证.
    HazardousChemicalBusiness,
    /// 危险化学品安全生产许可证.
    HazardousChemicalSafetyProduction,
    /// 气瓶充装许可证.
    CylinderFilling,
    /// 烟花爆竹经营许可证.
    FireworksBusiness,
    /// 成品油零售经营批准证书.
    FuelRetail,
    Other,
}

/// One certificate: kind, number, what it covers and when it is valid (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    pub kind: CertificateKind,
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
}

/// A catalogue product the enterprise makes or sells, and in which links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisteredProduct {
    /// Catalogue product id (`electric-bicycle`).
    pub product: String,
    pub links: Vec<Link>,
}

/// Who to call at the enterprise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// One enterprise of the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registered {
    /// Unified Social Credit Code (GB 32100-2015), checked: the key.
    pub uscc: String,
    pub name: String,
    /// County-level administrative division code (GB/T 2260) of the bureau in charge.
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_representative: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<Scale>,
    pub products: Vec<RegisteredProduct>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<Certificate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_flags: Vec<KeyFlag>,
}
