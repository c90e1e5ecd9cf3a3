//! Media: uploaded images (attachments, avatars, headers) on the local file system.
//!
//! Uploads are identified by their bytes, never by the client's content type. They are
//! decoded under pixel and allocation limits (no decompression bombs), turned upright
//! from their EXIF orientation, re-encoded without metadata (no GPS positions leak),
//! shrunk to Mastodon's sizes, and given a preview and a blurhash. GIFs keep their
//! original bytes so that animations survive. Files are written before the database row
//! that names them and removed after the row that named them is gone, so a crash leaves
//! at most an unreferenced file, never a row pointing at nothing.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use chrono::Utc;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, imageops::FilterType};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use crate::config::LimitsConfig;
use crate::crypto;
use crate::entities::{account, media_attachment};
use crate::error::{CoreError, CoreResult};
use crate::id::next_id;
use crate::instance::Instance;

/// Mastodon downsizes originals above this many pixels (3840x2160).
const MAX_ORIGINAL_PIXELS: u64 = 8_294_400;
/// Mastodon's `small` preview: about 640x360.
const SMALL_PIXELS: u64 = 230_400;

/// Which profile image an upload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileImage {
    /// 400x400, square.
    Avatar,
    /// 1500x500.
    Header,
}

/// The media folder.
#[derive(Debug, Clone)]
pub struct MediaStore {
    root: PathBuf,
}

fn invalid_media(reason: impl Into<String>) -> CoreError {
    CoreError::field("file", "ERR_INVALID", reason.into())
}

/// A decoded, normalised image ready to be written.
struct Encoded {
    bytes: Vec<u8>,
    ext: &'static str,
    content_type: &'static str,
    width: u32,
    height: u32,
}

fn detect_format(bytes: &[u8]) -> CoreResult<ImageFormat> {
    match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP)) => {
            Ok(f)
        }
        _ => Err(invalid_media(
            "content type is not supported (use PNG, JPEG, GIF or WebP)",
        )),
    }
}

/// Decodes `bytes` as an upright image, refusing more than `max_pixels`.
fn decode(bytes: &[u8], format: ImageFormat, max_pixels: u64) -> CoreResult<DynamicImage> {
    let reader = ImageReader::with_format(Cursor::new(bytes), format);
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| invalid_media(format!("could not be read as an image ({e})")))?;
    if u64::from(w) * u64::from(h) > max_pixels {
        return Err(invalid_media(format!(
            "dimensions {w}x{h} exceed the limit of {max_pixels} pixels"
        )));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(w);
    limits.max_image_height = Some(h);
    limits.max_alloc = Some(max_pixels.saturating_mul(8).min(1 << 30));
    reader.limits(limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| invalid_media(format!("could not be read as an image ({e})")))?;
    let orientation = decoder.orientation().ok();
    let mut img = DynamicImage::from_decoder(decoder)
        .map_err(|e| invalid_media(format!("could not be decoded ({e})")))?;
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }
    Ok(img)
}

fn encode(img: &DynamicImage, prefer_jpeg: bool) -> CoreResult<Encoded> {
    let mut out = Cursor::new(Vec::new());
    let (ext, content_type) = if prefer_jpeg && !img.color().has_alpha() {
        let rgb = img.to_rgb8();
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
        rgb.write_with_encoder(encoder)
            .map_err(|e| CoreError::Internal(format!("JPEG encoding failed: {e}")))?;
        ("jpeg", "image/jpeg")
    } else {
        img.write_to(&mut out, ImageFormat::Png)
            .map_err(|e| CoreError::Internal(format!("PNG encoding failed: {e}")))?;
        ("png", "image/png")
    };
    Ok(Encoded {
        bytes: out.into_inner(),
        ext,
        content_type,
        width: img.width(),
        height: img.height(),
    })
}

/// Scales `img` down (never up) to at most `pixels` pixels.
fn shrink_to_pixels(img: DynamicImage, pixels: u64) -> DynamicImage {
    let (w, h) = (u64::from(img.width()), u64::from(img.height()));
    if w * h <= pixels {
        return img;
    }
    let scale = (pixels as f64 / (w * h) as f64).sqrt();
    let nw = ((w as f64 * scale).floor() as u32).max(1);
    let nh = ((h as f64 * scale).floor() as u32).max(1);
    img.resize_exact(nw, nh, FilterType::Triangle)
}

fn process_profile_image(
    bytes: &[u8],
    kind: ProfileImage,
    limits: &LimitsConfig,
) -> CoreResult<Encoded> {
    if bytes.len() > limits.max_avatar_bytes {
        return Err(invalid_media(format!(
            "is too large (maximum is {} bytes)",
            limits.max_avatar_bytes
        )));
    }
    let format = detect_format(bytes)?;
    let img = decode(bytes, format, limits.max_image_pixels)?;
    let (tw, th) = match kind {
        ProfileImage::Avatar => (400, 400),
        ProfileImage::Header => (1500, 500),
    };
    let img = if img.width() > tw || img.height() > th {
        img.resize_to_fill(tw, th, FilterType::Triangle)
    } else if kind == ProfileImage::Avatar && img.width() != img.height() {
        let side = img.width().min(img.height());
        img.crop_imm(
            (img.width() - side) / 2,
            (img.height() - side) / 2,
            side,
            side,
        )
    } else {
        img
    };
    encode(&img, format == ImageFormat::Jpeg)
}

/// A processed attachment upload.
#[derive(Debug, Clone)]
pub struct ProcessedImage {
    pub original: Vec<u8>,
    pub original_ext: &'static str,
    pub content_type: &'static str,
    pub small: Vec<u8>,
    pub small_ext: &'static str,
    pub meta: serde_json::Value,
    pub blurhash: String,
}

fn size_meta(w: u32, h: u32) -> serde_json::Value {
    json!({
        "width": w,
        "height": h,
        "size": format!("{w}x{h}"),
        "aspect": if h == 0 { 1.0 } else { f64::from(w) / f64::from(h) },
    })
}

/// Validates and processes an uploaded image attachment (CPU-bound).
pub fn process_attachment(bytes: &[u8], limits: &LimitsConfig) -> CoreResult<ProcessedImage> {
    if bytes.len() > limits.max_image_bytes {
        return Err(invalid_media(format!(
            "is too large (maximum is {} bytes)",
            limits.max_image_bytes
        )));
    }
    let format = detect_format(bytes)?;
    let img = decode(bytes, format, limits.max_image_pixels)?;
    let (original, original_ext, content_type, ow, oh) = if format == ImageFormat::Gif {
        (
            bytes.to_vec(),
            "gif",
            "image/gif",
            img.width(),
            img.height(),
        )
    } else {
        let e = encode(
            &shrink_to_pixels(img.clone(), MAX_ORIGINAL_PIXELS),
            format == ImageFormat::Jpeg,
        )?;
        (e.bytes, e.ext, e.content_type, e.width, e.height)
    };
    let small_img = shrink_to_pixels(img, SMALL_PIXELS);
    let small = encode(&small_img, true)?;
    let rgba = small_img.to_rgba8();
    let blurhash = blurhash::encode(4, 3, rgba.width(), rgba.height(), rgba.as_raw())
        .map_err(|e| CoreError::Internal(format!("blurhash failed: {e}")))?;
    Ok(ProcessedImage {
        original,
        original_ext,
        content_type,
        small: small.bytes,
        small_ext: small.ext,
        meta: json!({
            "original": size_meta(ow, oh),
            "small": size_meta(small.width, small.height),
        }),
        blurhash,
    })
}

impl MediaStore {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    /// The folder served under `/media/`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Writes `bytes` at `rel` (below the media folder) atomically.
    pub async fn write(&self, rel: &str, bytes: &[u8]) -> CoreResult<()> {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        let tmp = path.with_extension(format!("tmp{}", crypto::random_token()));
        tokio::fs::write(&tmp, bytes).await?;
        tokio::fs::rename(&tmp, &path).await?;
        Ok(())
    }

    /// Removes a stored file; a file already gone is not an error.
    pub async fn remove(&self, rel: &str) {
        if rel.contains("..") {
            return;
        }
        if let Err(e) = tokio::fs::remove_file(self.root.join(rel)).await
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = rel, error = %e, "could not remove media file");
        }
    }

    /// Processes and stores an avatar or header; returns its path.
    pub async fn store_profile_image(
        &self,
        bytes: Vec<u8>,
        kind: ProfileImage,
        limits: &LimitsConfig,
    ) -> CoreResult<String> {
        let limits = limits.clone();
        let encoded =
            tokio::task::spawn_blocking(move || process_profile_image(&bytes, kind, &limits))
                .await
                .map_err(|e| CoreError::Internal(e.to_string()))??;
        let folder = match kind {
            ProfileImage::Avatar => "avatars",
            ProfileImage::Header => "headers",
        };
        let rel = format!("{folder}/{}.{}", &crypto::random_token()[..20], encoded.ext);
        self.write(&rel, &encoded.bytes).await?;
        let _ = encoded.content_type;
        Ok(rel)
    }
}

/// Uploads an image attachment for `account_id`; it stays unattached until a status
/// uses it.
pub async fn upload(
    inst: &Instance,
    account_id: i64,
    bytes: Vec<u8>,
    description: Option<String>,
    focus: Option<(f64, f64)>,
) -> CoreResult<media_attachment::Model> {
    if let Some(d) = &description
        && crate::text::char_count(d) > 1500
    {
        return Err(CoreError::field(
            "description",
            "ERR_TOO_LONG",
            "is too long (maximum is 1500 characters)",
        ));
    }
    let limits = inst.config.limits.clone();
    let processed = tokio::task::spawn_blocking(move || process_attachment(&bytes, &limits))
        .await
        .map_err(|e| CoreError::Internal(e.to_string()))??;
    let id = next_id();
    let original = format!("attachments/{id}/original.{}", processed.original_ext);
    let small = format!("attachments/{id}/small.{}", processed.small_ext);
    inst.media.write(&original, &processed.original).await?;
    inst.media.write(&small, &processed.small).await?;
    let mut meta = processed.meta;
    if let Some((x, y)) = focus {
        meta["focus"] = json!({"x": x, "y": y});
    }
    let now = Utc::now();
    let model = media_attachment::ActiveModel {
        id: Set(id),
        account_id: Set(account_id),
        status_id: Set(None),
        kind: Set("image".into()),
        file_path: Set(Some(original.clone())),
        preview_path: Set(Some(small.clone())),
        remote_url: Set(None),
        content_type: Set(Some(processed.content_type.into())),
        file_size: Set(processed.original.len() as i64),
        meta: Set(meta.to_string()),
        description: Set(description.filter(|d| !d.trim().is_empty())),
        blurhash: Set(Some(processed.blurhash)),
        created_at: Set(now),
        updated_at: Set(now),
    };
    match model.insert(&inst.store.write).await {
        Ok(m) => Ok(m),
        Err(e) => {
            inst.media.remove(&original).await;
            inst.media.remove(&small).await;
            Err(e.into())
        }
    }
}

/// An attachment owned by `account_id`.
pub async fn get_own(
    inst: &Instance,
    account_id: i64,
    id: i64,
) -> CoreResult<media_attachment::Model> {
    media_attachment::Entity::find_by_id(id)
        .filter(media_attachment::Column::AccountId.eq(account_id))
        .one(&inst.store.read)
        .await?
        .ok_or(CoreError::NotFound)
}

/// Changes the description or focal point of an attachment.
pub async fn update(
    inst: &Instance,
    account_id: i64,
    id: i64,
    description: Option<String>,
    focus: Option<(f64, f64)>,
) -> CoreResult<media_attachment::Model> {
    let current = get_own(inst, account_id, id).await?;
    let mut model: media_attachment::ActiveModel = current.clone().into();
    if let Some(d) = description {
        if crate::text::char_count(&d) > 1500 {
            return Err(CoreError::field(
                "description",
                "ERR_TOO_LONG",
                "is too long (maximum is 1500 characters)",
            ));
        }
        model.description = Set(Some(d).filter(|d| !d.trim().is_empty()));
    }
    if let Some((x, y)) = focus {
        let mut meta: serde_json::Value =
            serde_json::from_str(&current.meta).unwrap_or_else(|_| json!({}));
        meta["focus"] = json!({"x": x, "y": y});
        model.meta = Set(meta.to_string());
    }
    model.updated_at = Set(Utc::now());
    Ok(model.update(&inst.store.write).await?)
}

/// Parses Mastodon's `focus` parameter, `"x,y"` with both in -1..=1.
pub fn parse_focus(s: &str) -> CoreResult<(f64, f64)> {
    let bad = || {
        CoreError::field(
            "focus",
            "ERR_INVALID",
            "must be two numbers between -1 and 1, as \"x,y\"",
        )
    };
    let (x, y) = s.split_once(',').ok_or_else(bad)?;
    let x: f64 = x.trim().parse().map_err(|_| bad())?;
    let y: f64 = y.trim().parse().map_err(|_| bad())?;
    if !(-1.0..=1.0).contains(&x) || !(-1.0..=1.0).contains(&y) {
        return Err(bad());
    }
    Ok((x, y))
}

/// Every stored file that belongs to an account (attachments, avatar, header).
pub async fn files_of_account(
    conn: &impl ConnectionTrait,
    account_id: i64,
) -> CoreResult<Vec<String>> {
    let mut files = Vec::new();
    for m in media_attachment::Entity::find()
        .filter(media_attachment::Column::AccountId.eq(account_id))
        .all(conn)
        .await?
    {
        files.extend(m.file_path);
        files.extend(m.preview_path);
    }
    if let Some(a) = account::Entity::find_by_id(account_id).one(conn).await? {
        files.extend(a.avatar_file);
        files.extend(a.header_file);
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = DynamicImage::new_rgb8(w, h);
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn attachments_get_previews_meta_and_blurhash() {
        let p = process_attachment(&png(1280, 720), &LimitsConfig::default()).unwrap();
        assert_eq!(p.meta["original"]["size"], "1280x720");
        assert_eq!(p.meta["small"]["width"], 640);
        assert_eq!(p.meta["small"]["height"], 360);
        assert_eq!(p.blurhash.len(), 28);
        assert_eq!(p.content_type, "image/png");
    }

    #[test]
    fn non_images_and_bombs_are_refused() {
        let limits = LimitsConfig::default();
        let err = process_attachment(b"<svg onload=alert(1)>", &limits).unwrap_err();
        assert!(err.to_string().contains("not supported"), "{err}");
        let small_limits = LimitsConfig {
            max_image_pixels: 100,
            ..LimitsConfig::default()
        };
        let err = process_attachment(&png(11, 10), &small_limits).unwrap_err();
        assert!(err.to_string().contains("exceed"), "{err}");
        let truncated = &png(50, 50)[..60];
        assert!(process_attachment(truncated, &limits).is_err());
    }

    #[test]
    fn avatars_become_square_and_at_most_400() {
        let e = process_profile_image(
            &png(1000, 600),
            ProfileImage::Avatar,
            &LimitsConfig::default(),
        )
        .unwrap();
        assert_eq!((e.width, e.height), (400, 400));
        let e = process_profile_image(
            &png(120, 80),
            ProfileImage::Avatar,
            &LimitsConfig::default(),
        )
        .unwrap();
        assert_eq!((e.width, e.height), (80, 80));
    }

    #[test]
    fn focus_is_validated() {
        assert_eq!(parse_focus("0.5,-1").unwrap(), (0.5, -1.0));
        assert!(parse_focus("2,0").is_err());
        assert!(parse_focus("x").is_err());
    }
}
