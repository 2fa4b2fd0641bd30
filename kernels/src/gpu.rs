//! Getting a device: adapter choice, the features and limits we ask for, and an adapter summary
//! that travels with every measurement.
//!
//! Host code never reaches for a global device: [`Gpu`] is created once here and passed by
//! reference to every kernel run, so tests, the CLI and the browser share one path.

use crate::KernelError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Features we use when the adapter has them. Each is optional: variants that need one declare
/// it in the registry and are skipped with a clear reason when it is absent.
pub fn wanted_features() -> wgpu::Features {
    wgpu::Features::TIMESTAMP_QUERY | wgpu::Features::SHADER_F16 | wgpu::Features::SUBGROUP
}

/// The limits that decide whether a shape fits, as a plain serialisable record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitsSummary {
    /// Largest buffer, in bytes.
    pub max_buffer_size: u64,
    /// Largest storage-buffer binding, in bytes.
    pub max_storage_buffer_binding_size: u64,
    /// Workgroup (shared) memory per workgroup, in bytes.
    pub max_compute_workgroup_storage_size: u32,
    /// Threads per workgroup.
    pub max_compute_invocations_per_workgroup: u32,
    /// Workgroups per dispatch dimension.
    pub max_compute_workgroups_per_dimension: u32,
}

impl From<&wgpu::Limits> for LimitsSummary {
    fn from(l: &wgpu::Limits) -> Self {
        LimitsSummary {
            max_buffer_size: l.max_buffer_size,
            max_storage_buffer_binding_size: l.max_storage_buffer_binding_size,
            max_compute_workgroup_storage_size: l.max_compute_workgroup_storage_size,
            max_compute_invocations_per_workgroup: l.max_compute_invocations_per_workgroup,
            max_compute_workgroups_per_dimension: l.max_compute_workgroups_per_dimension,
        }
    }
}

/// Who ran a measurement: enough to tell a laptop browser run from a datacenter GPU on one chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdapterSummary {
    /// Adapter name as the driver reports it (browsers may report an empty string).
    pub name: String,
    /// PCI vendor id (0 when hidden).
    pub vendor: u32,
    /// PCI device id (0 when hidden).
    pub device: u32,
    /// `DiscreteGpu`, `IntegratedGpu`, `VirtualGpu`, `Cpu` or `Other`.
    pub device_type: String,
    /// `Vulkan`, `Metal`, `Dx12`, `Gl` or `BrowserWebGpu`.
    pub backend: String,
    /// Driver name.
    pub driver: String,
    /// Driver version and details.
    pub driver_info: String,
    /// The features of the adapter that matter here, by name.
    pub features: Vec<String>,
    /// The limits of the adapter.
    pub limits: LimitsSummary,
}

impl AdapterSummary {
    /// Summarise an adapter.
    pub fn of(adapter: &wgpu::Adapter) -> Self {
        let info = adapter.get_info();
        AdapterSummary {
            name: info.name,
            vendor: info.vendor,
            device: info.device,
            device_type: format!("{:?}", info.device_type),
            backend: format!("{:?}", info.backend),
            driver: info.driver,
            driver_info: info.driver_info,
            features: feature_names(adapter.features()),
            limits: LimitsSummary::from(&adapter.limits()),
        }
    }

    /// A short label: the name, or the backend and type when the browser hides the name.
    pub fn label(&self) -> String {
        if self.name.trim().is_empty() {
            format!("{} {}", self.backend, self.device_type)
        } else {
            self.name.clone()
        }
    }

    /// Whether the adapter has a feature, by its wgpu name (`TIMESTAMP_QUERY`).
    pub fn has(&self, feature: &str) -> bool {
        self.features.iter().any(|f| f == feature)
    }
}

/// Names of the features in `f` that Roofline Lab cares about, in wgpu's spelling.
pub fn feature_names(f: wgpu::Features) -> Vec<String> {
    let interesting = wanted_features()
        | wgpu::Features::TIMESTAMP_QUERY_INSIDE_PASSES
        | wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX;
    (f & interesting)
        .iter_names()
        .map(|(name, _)| name.to_string())
        .collect()
}

/// How to open a device, beyond the adapter choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeviceOptions {
    /// Native only: also request wgpu's experimental features the adapter offers (today only
    /// `EXPERIMENTAL_COOPERATIVE_MATRIX`, for `matmul/coop_f16`). wgpu makes the caller
    /// acknowledge that these may still have undefined-behaviour bugs, so it is off unless the
    /// user opts in (`lab bench --experimental`); ignored in the browser, which has none.
    pub experimental: bool,
}

/// What a variant that needs `needed` lacks on a device with `have`: the missing features by
/// name, and whether it runs only natively (cooperative matrices, which browsers do not offer).
/// `None` when nothing is missing.
pub fn lacking(needed: wgpu::Features, have: wgpu::Features) -> Option<(String, bool)> {
    let missing = needed - have;
    (!missing.is_empty()).then(|| {
        (
            feature_names(missing).join(", "),
            missing.contains(wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX),
        )
    })
}

/// The experimental features we use when the caller opts in.
pub fn experimental_features() -> wgpu::Features {
    wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX
}

/// wgpu's token for experimental features: enabled only when the caller opted in.
#[cfg(not(target_arch = "wasm32"))]
#[allow(unsafe_code)]
fn experimental_token(opted_in: bool) -> wgpu::ExperimentalFeatures {
    if opted_in {
        // SAFETY: wgpu asks us to acknowledge that its experimental features may have bugs with
        // undefined behaviour. The user opted in for this run (`lab bench --experimental`), the
        // only such feature we request is cooperative matrices, and the one kernel using them
        // runs only on a fragment shape the adapter lists (`matmul::coop_shape_supported`), the
        // known way to get garbage rather than an error.
        unsafe { wgpu::ExperimentalFeatures::enabled() }
    } else {
        wgpu::ExperimentalFeatures::disabled()
    }
}

#[cfg(target_arch = "wasm32")]
fn experimental_token(_opted_in: bool) -> wgpu::ExperimentalFeatures {
    wgpu::ExperimentalFeatures::disabled()
}

/// Which adapter to use.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum AdapterChoice {
    /// Prefer a discrete GPU, then integrated, virtual, and software last.
    #[default]
    Best,
    /// The n-th adapter in the order [`list_adapters`] prints (native only).
    Index(usize),
    /// The first adapter whose name contains this text, case-insensitively (native only).
    Name(String),
}

/// A device and queue with the adapter they came from, plus the bookkeeping that turns wgpu's
/// asynchronous failures (uncaptured errors, device loss) into [`KernelError`]s instead of panics.
#[derive(Debug)]
pub struct Gpu {
    /// The device.
    pub device: wgpu::Device,
    /// Its queue.
    pub queue: wgpu::Queue,
    /// The adapter, summarised.
    pub adapter: AdapterSummary,
    lost: Arc<Mutex<Option<String>>>,
    uncaptured: Arc<Mutex<Vec<String>>>,
    /// Matmul block shapes chosen by autotuning this session, by `kernel/variant`.
    tuned: Mutex<HashMap<String, crate::matmul::Tiles>>,
    /// Native only: compile variants marked `bounds_proven` without wgpu's runtime bounds checks.
    unchecked: AtomicBool,
    /// Native only: with `unchecked`, also compile replacement sources (`lab bench --wgsl`)
    /// without them.
    unchecked_custom: AtomicBool,
    /// The adapter's smallest and largest subgroup size (wgpu reports them in `AdapterInfo`).
    subgroup_sizes: (u32, u32),
    /// The cooperative-matrix shapes the adapter lists (empty without the feature).
    coop_properties: Vec<wgpu::CooperativeMatrixProperties>,
    /// Whether experimental features were requested for this device.
    experimental: bool,
    /// Every feature the adapter offers (the device has only those we asked for).
    adapter_features: wgpu::Features,
}

impl Gpu {
    /// Acquire a device on the chosen adapter.
    pub async fn new(choice: AdapterChoice) -> Result<Gpu, KernelError> {
        Gpu::open(choice, DeviceOptions::default()).await
    }

    /// Acquire a device on the chosen adapter with `options`.
    pub async fn open(choice: AdapterChoice, options: DeviceOptions) -> Result<Gpu, KernelError> {
        let adapter = pick_adapter(choice).await?;
        Gpu::from_adapter_with(&adapter, options).await
    }

    /// Create a device on `adapter` with every wanted feature it has and all of its limits,
    /// so shapes are bounded by the hardware rather than by WebGPU's conservative defaults.
    pub async fn from_adapter(adapter: &wgpu::Adapter) -> Result<Gpu, KernelError> {
        Gpu::from_adapter_with(adapter, DeviceOptions::default()).await
    }

    /// [`Gpu::from_adapter`] with `options`: with `experimental`, also the experimental features
    /// the adapter offers (native only).
    pub async fn from_adapter_with(
        adapter: &wgpu::Adapter,
        options: DeviceOptions,
    ) -> Result<Gpu, KernelError> {
        let experimental = options.experimental && !cfg!(target_arch = "wasm32");
        let mut wanted = wanted_features();
        if experimental {
            wanted |= experimental_features();
        }
        let features = adapter.features() & wanted;
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("roofline-lab"),
                required_features: features,
                required_limits: adapter.limits(),
                experimental_features: experimental_token(experimental),
                ..Default::default()
            })
            .await
            .map_err(|e| KernelError::DeviceRequest(e.to_string()))?;

        let lost = Arc::new(Mutex::new(None));
        let lost_cb = Arc::clone(&lost);
        device.set_device_lost_callback(move |reason, message| {
            if let Ok(mut slot) = lost_cb.lock() {
                *slot = Some(format!("{reason:?}: {message}"));
            }
        });
        // wgpu's default handler panics on any error nobody captured; we keep them instead and
        // report them with the run that caused them.
        let uncaptured = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&uncaptured);
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            if let Ok(mut v) = sink.lock() {
                v.push(e.to_string());
            }
        }));

        Ok(Gpu {
            device,
            queue,
            adapter: AdapterSummary::of(adapter),
            lost,
            uncaptured,
            tuned: Mutex::new(HashMap::new()),
            unchecked: AtomicBool::new(false),
            unchecked_custom: AtomicBool::new(false),
            subgroup_sizes: {
                let info = adapter.get_info();
                (info.subgroup_min_size, info.subgroup_max_size)
            },
            coop_properties: adapter.cooperative_matrix_properties(),
            experimental,
            adapter_features: adapter.features(),
        })
    }

    /// The adapter's smallest and largest subgroup size, as wgpu reports them (meaningful only
    /// with the `SUBGROUP` feature).
    pub fn subgroup_sizes(&self) -> (u32, u32) {
        self.subgroup_sizes
    }

    /// The cooperative-matrix configurations the adapter lists (empty without the feature).
    pub fn coop_properties(&self) -> &[wgpu::CooperativeMatrixProperties] {
        &self.coop_properties
    }

    /// Whether experimental features were requested ([`DeviceOptions::experimental`]).
    pub fn experimental(&self) -> bool {
        self.experimental
    }

    /// Whether the adapter offers a feature, enabled on this device or not.
    pub fn adapter_has(&self, feature: wgpu::Features) -> bool {
        self.adapter_features.contains(feature)
    }

    /// The block shape autotuning chose for a matmul variant this session, if any.
    pub fn tuned(&self, id: &str) -> Option<crate::matmul::Tiles> {
        self.tuned.lock().ok().and_then(|m| m.get(id).copied())
    }

    /// Remembers a block shape for a matmul variant for the rest of the session.
    pub fn remember_tiles(&self, id: &str, tiles: crate::matmul::Tiles) {
        if let Ok(mut m) = self.tuned.lock() {
            m.insert(id.to_string(), tiles);
        }
    }

    /// Natively, compile the variants whose indexing the tests prove in bounds without wgpu's
    /// runtime bounds checks (faster; browsers always check). Off by default.
    pub fn set_unchecked_shaders(&self, on: bool) {
        self.unchecked.store(on, Ordering::Relaxed);
    }

    /// Whether [`Gpu::set_unchecked_shaders`] is on.
    pub fn unchecked_shaders(&self) -> bool {
        self.unchecked.load(Ordering::Relaxed)
    }

    /// Natively, with [`Gpu::set_unchecked_shaders`] on, also compile sources that replace a
    /// variant's own ([`crate::run::run_kernel_source`]) without runtime checks. Nothing proves
    /// their indices in bounds: only for a user who wrote the source and asked (`lab bench
    /// --wgsl FILE --unchecked`); exercises refuse a device with it set. Off by default.
    pub fn set_unchecked_custom_sources(&self, on: bool) {
        self.unchecked_custom.store(on, Ordering::Relaxed);
    }

    /// Whether [`Gpu::set_unchecked_custom_sources`] is on.
    pub fn unchecked_custom_sources(&self) -> bool {
        self.unchecked_custom.load(Ordering::Relaxed)
    }

    /// Whether the device has a feature.
    pub fn has(&self, feature: wgpu::Features) -> bool {
        self.device.features().contains(feature)
    }

    /// [`lacking`] for this device.
    pub fn lacking(&self, needed: wgpu::Features) -> Option<(String, bool)> {
        lacking(needed, self.device.features())
    }

    /// The device's limits.
    pub fn limits(&self) -> wgpu::Limits {
        self.device.limits()
    }

    /// `Err` if the device has been lost.
    pub fn check_alive(&self) -> Result<(), KernelError> {
        // Natively the lost callback only fires while the device is polled; browsers fire it
        // from their event loop.
        #[cfg(not(target_arch = "wasm32"))]
        if let Err(e) = self.device.poll(wgpu::PollType::Poll) {
            return Err(KernelError::DeviceLost(e.to_string()));
        }
        match self.lost.lock().ok().and_then(|g| g.clone()) {
            Some(reason) => Err(KernelError::DeviceLost(reason)),
            None => Ok(()),
        }
    }

    /// Errors that escaped every error scope since the last call, drained.
    pub fn take_uncaptured(&self) -> Vec<String> {
        self.uncaptured
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

fn instance() -> wgpu::Instance {
    wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env())
}

/// Rank adapter types so a discrete GPU wins and a software rasterizer loses.
#[cfg(not(target_arch = "wasm32"))]
fn type_rank(t: wgpu::DeviceType) -> u8 {
    match t {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    }
}

/// Every adapter this machine offers, best first (native only; browsers expose one).
#[cfg(not(target_arch = "wasm32"))]
pub async fn list_adapters() -> Vec<wgpu::Adapter> {
    let mut adapters = instance().enumerate_adapters(wgpu::Backends::all()).await;
    adapters.sort_by_key(|a| type_rank(a.get_info().device_type));
    adapters
}

#[cfg(not(target_arch = "wasm32"))]
async fn pick_adapter(choice: AdapterChoice) -> Result<wgpu::Adapter, KernelError> {
    let adapters = list_adapters().await;
    let names = || {
        adapters
            .iter()
            .enumerate()
            .map(|(i, a)| format!("{i}: {}", a.get_info().name))
            .collect::<Vec<_>>()
            .join("; ")
    };
    if adapters.is_empty() {
        return Err(KernelError::NoAdapter(
            "no Vulkan, Metal or DX12 adapter; on Linux without a GPU install Mesa's \
             software Vulkan (apt-get install mesa-vulkan-drivers)"
                .into(),
        ));
    }
    match choice {
        AdapterChoice::Best => Ok(adapters[0].clone()),
        AdapterChoice::Index(i) => adapters.get(i).cloned().ok_or_else(|| {
            KernelError::NoAdapter(format!("no adapter number {i}; available: {}", names()))
        }),
        AdapterChoice::Name(ref want) => {
            let want_lc = want.to_lowercase();
            adapters
                .iter()
                .find(|a| a.get_info().name.to_lowercase().contains(&want_lc))
                .cloned()
                .ok_or_else(|| {
                    KernelError::NoAdapter(format!(
                        "no adapter name contains '{want}'; available: {}",
                        names()
                    ))
                })
        }
    }
}

#[cfg(target_arch = "wasm32")]
async fn pick_adapter(choice: AdapterChoice) -> Result<wgpu::Adapter, KernelError> {
    if choice != AdapterChoice::Best {
        return Err(KernelError::NoAdapter(
            "a browser offers one adapter; choose it in the browser's settings".into(),
        ));
    }
    if !wgpu::util::is_browser_webgpu_supported().await {
        return Err(KernelError::NoWebGpu);
    }
    instance()
        .request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            ..Default::default()
        })
        .await
        .map_err(|e| KernelError::NoAdapter(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn discrete_ranks_first_and_software_last() {
        use wgpu::DeviceType::*;
        let mut types = vec![Cpu, IntegratedGpu, DiscreteGpu, VirtualGpu, Other];
        types.sort_by_key(|t| type_rank(*t));
        assert_eq!(
            types,
            vec![DiscreteGpu, IntegratedGpu, VirtualGpu, Other, Cpu]
        );
    }

    #[test]
    fn lacking_names_only_what_is_missing() {
        let coop = crate::registry::find("attention", "flash_split").unwrap();
        // A browser with shader-f16 and subgroups still lacks cooperative matrices.
        let have = wgpu::Features::SHADER_F16 | wgpu::Features::SUBGROUP;
        assert_eq!(
            lacking(coop.features, have),
            Some(("EXPERIMENTAL_COOPERATIVE_MATRIX".to_string(), true))
        );
        let f16 = crate::registry::find("attention", "flash_f16").unwrap();
        assert_eq!(
            lacking(f16.features, wgpu::Features::empty()),
            Some(("SHADER_F16".to_string(), false))
        );
        assert_eq!(lacking(f16.features, have), None);
    }

    #[test]
    fn feature_names_use_wgpu_spelling() {
        let names = feature_names(wgpu::Features::TIMESTAMP_QUERY | wgpu::Features::SHADER_F16);
        assert_eq!(
            names,
            vec!["TIMESTAMP_QUERY".to_string(), "SHADER_F16".to_string()]
        );
    }
}
