//! What the Vulkan driver made of one of our kernels: its register count, the local memory it
//! spills to, its workgroup memory and code size, read through VK_KHR_pipeline_executable_properties
//! (which the NVIDIA driver offers; lavapipe and most browsers' stacks do not).
//!
//! The WGSL is compiled the way wgpu 30's Vulkan backend compiles it: marked loops written out by
//! `kernels::unroll` for the given override constants, then naga with the overrides applied, and
//! SPIR-V 1.6 with wgpu's runtime checks (index clamping, loop bounding, integer-division
//! checks) unless `--unchecked`, as `lab bench --unchecked` does. The bindings are read from the
//! module, so any of our kernels can be given. The device has buffer robustness on, as wgpu's
//! does.
//!
//! A measurement tool for BENCHMARKS.md, run on the GPU machine (`bench/vkstats_h100.sh`). It is
//! the workspace's one crate with unsafe code: it talks to Vulkan directly through `ash`, because
//! wgpu does not expose the driver's statistics. Nothing in the product depends on it.
//!
//!     cargo build --release -p vkstats
//!     vkstats LABEL FILE.wgsl [--unchecked] [--entry=NAME] [--ir=DIR] [NAME=VALUE ...]
//!
//! prints one tab-separated line: label, checks, threads per workgroup, registers per thread,
//! local memory per thread (bytes), workgroup memory (bytes), code size (bytes). `--ir=DIR` also
//! writes whatever internal representations the driver offers (its compiled code, where it gives
//! it) into DIR, one file each, and lists them on standard error.

use ash::vk;
use std::ffi::CStr;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("vkstats: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The compiled SPIR-V, its workgroup size and the descriptor bindings it declares.
struct Compiled {
    spv: Vec<u32>,
    threads: u32,
    bindings: Vec<Vec<(u32, vk::DescriptorType)>>,
}

fn compile(
    source: &str,
    entry: &str,
    constants: &[(String, f64)],
    unchecked: bool,
) -> Result<Compiled, String> {
    let refs: Vec<(&str, f64)> = constants.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let expanded = kernels::unroll::expand(source, &refs);
    let module =
        naga::front::wgsl::parse_str(&expanded).map_err(|e| e.emit_to_string(&expanded))?;
    let info = naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::all(),
    )
    .validate(&module)
    .map_err(|e| format!("{e:?}"))?;
    let pc: naga::back::PipelineConstants = constants.iter().cloned().collect();
    let (module, info) = naga::back::pipeline_constants::process_overrides(
        &module,
        &info,
        Some((naga::ShaderStage::Compute, entry)),
        &pc,
    )
    .map_err(|e| e.to_string())?;
    let threads = module
        .entry_points
        .iter()
        .find(|e| e.name == entry)
        .map(|e| e.workgroup_size.iter().product())
        .ok_or(format!("no entry point {entry}"))?;
    use naga::proc::BoundsCheckPolicy::{Restrict, Unchecked};
    let mut options = naga::back::spv::Options {
        lang_version: (1, 6),
        zero_initialize_workgroup_memory:
            naga::back::spv::ZeroInitializeWorkgroupMemoryMode::Native,
        force_loop_bounding: !unchecked,
        emit_int_div_checks: !unchecked,
        ..Default::default()
    };
    options.flags.remove(naga::back::spv::WriterFlags::DEBUG);
    // As wgpu-hal on a device with robustBufferAccess2: indices clamped, buffers left to the
    // driver's robustness.
    options.bounds_check_policies = naga::proc::BoundsCheckPolicies {
        index: if unchecked { Unchecked } else { Restrict },
        buffer: Unchecked,
        image_load: Unchecked,
        binding_array: Unchecked,
    };
    let pipeline = naga::back::spv::PipelineOptions {
        shader_stage: naga::ShaderStage::Compute,
        entry_point: entry.to_string(),
    };
    let spv = naga::back::spv::write_vec(&module, &info, &options, Some(&pipeline))
        .map_err(|e| e.to_string())?;
    let mut bindings: Vec<Vec<(u32, vk::DescriptorType)>> = Vec::new();
    for (_, g) in module.global_variables.iter() {
        let Some(rb) = g.binding.as_ref() else {
            continue;
        };
        let ty = match g.space {
            naga::AddressSpace::Uniform => vk::DescriptorType::UNIFORM_BUFFER,
            naga::AddressSpace::Storage { .. } => vk::DescriptorType::STORAGE_BUFFER,
            _ => continue,
        };
        if bindings.len() <= rb.group as usize {
            bindings.resize(rb.group as usize + 1, Vec::new());
        }
        bindings[rb.group as usize].push((rb.binding, ty));
    }
    Ok(Compiled {
        spv,
        threads,
        bindings,
    })
}

fn run() -> Result<String, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [label, path, rest @ ..] = args.as_slice() else {
        return Err(
            "usage: vkstats LABEL FILE.wgsl [--unchecked] [--entry=NAME] [--ir=DIR] \
                    [NAME=VALUE ...]"
                .into(),
        );
    };
    if let Some(bad) = rest.iter().find(|a| {
        a.starts_with("--")
            && *a != "--unchecked"
            && !a.starts_with("--entry=")
            && !a.starts_with("--ir=")
    }) {
        return Err(format!(
            "{bad}: unknown flag (the flags are --unchecked, --entry=NAME and --ir=DIR)"
        ));
    }
    let ir_dir = rest.iter().find_map(|a| a.strip_prefix("--ir="));
    let unchecked = rest.iter().any(|a| a == "--unchecked");
    let entry = rest
        .iter()
        .find_map(|a| a.strip_prefix("--entry="))
        .unwrap_or("main");
    let mut constants = Vec::new();
    for a in rest.iter().filter(|a| !a.starts_with("--")) {
        let (k, v) = a
            .split_once('=')
            .ok_or(format!("{a}: expected NAME=VALUE"))?;
        let v: f64 = v
            .parse()
            .map_err(|_| format!("{a}: the value is not a number"))?;
        constants.push((k.to_string(), v));
    }
    let source = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let c = compile(&source, entry, &constants, unchecked)?;
    // SAFETY: plain Vulkan calls on objects created here, each checked; the process exits after.
    let (stats, irs) = unsafe { driver_statistics(&c, entry, ir_dir.is_some())? };
    if let Some(dir) = ir_dir {
        write_irs(dir, label, &irs)?;
    }
    let get = |name: &str| stats.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
    let regs = get("Register Count").ok_or("the driver reports no register count")?;
    // NVIDIA 580 reports local memory with bit 36 set; the bytes are the low 32 bits.
    let local = get("Local Memory Size").map_or(0, |v| v & 0xffff_ffff);
    let shared = get("Shared Memory Size").unwrap_or(0);
    let binary = get("Binary Size").unwrap_or(0);
    Ok(format!(
        "{label}\t{}\t{}\t{regs}\t{local}\t{shared}\t{binary}",
        if unchecked { "unchecked" } else { "checked" },
        c.threads
    ))
}

/// The driver's statistics, by name.
type Statistics = Vec<(String, u64)>;

/// One internal representation of the compiled pipeline, as the driver names it.
struct Ir {
    name: String,
    description: String,
    text: bool,
    data: Vec<u8>,
}

/// Writes each representation to DIR/LABEL.N.EXT (LABEL with anything but letters, digits, `-`
/// and `.` turned into `_`), and lists them on standard error. An empty list is reported, not an
/// error: a driver may offer statistics and no representations.
fn write_irs(dir: &str, label: &str, irs: &[Ir]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{dir}: {e}"))?;
    let stem: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if irs.is_empty() {
        eprintln!("vkstats: the driver offers no internal representations");
    }
    for (i, ir) in irs.iter().enumerate() {
        let ext = if ir.text { "txt" } else { "bin" };
        let path = format!("{dir}/{stem}.{i}.{ext}");
        // Text representations arrive NUL-terminated.
        let end = if ir.text {
            ir.data
                .iter()
                .position(|&b| b == 0)
                .unwrap_or(ir.data.len())
        } else {
            ir.data.len()
        };
        std::fs::write(&path, &ir.data[..end]).map_err(|e| format!("{path}: {e}"))?;
        eprintln!(
            "vkstats: {path}: {} ({}; {end} bytes)",
            ir.name, ir.description
        );
    }
    Ok(())
}

/// Builds the pipeline on the first discrete GPU (else the first device) with statistics
/// captured, and returns them by name; with `want_ir`, also the driver's internal
/// representations.
unsafe fn driver_statistics(
    c: &Compiled,
    entry: &str,
    want_ir: bool,
) -> Result<(Statistics, Vec<Ir>), String> {
    let vkerr = |what: &'static str| move |e: vk::Result| format!("{what}: {e:?}");
    let lib = unsafe { ash::Entry::load() }.map_err(|e| format!("loading Vulkan: {e}"))?;
    let app = vk::ApplicationInfo::default().api_version(vk::API_VERSION_1_3);
    let instance = unsafe {
        lib.create_instance(
            &vk::InstanceCreateInfo::default().application_info(&app),
            None,
        )
    }
    .map_err(vkerr("vkCreateInstance"))?;
    let pds = unsafe { instance.enumerate_physical_devices() }
        .map_err(vkerr("vkEnumeratePhysicalDevices"))?;
    let discrete = |&&pd: &&vk::PhysicalDevice| {
        unsafe { instance.get_physical_device_properties(pd) }.device_type
            == vk::PhysicalDeviceType::DISCRETE_GPU
    };
    let pd = *pds
        .iter()
        .find(discrete)
        .or(pds.first())
        .ok_or("no Vulkan device")?;
    let exts = unsafe { instance.enumerate_device_extension_properties(pd) }
        .map_err(vkerr("extensions"))?;
    let has = |name: &CStr| exts.iter().any(|e| e.extension_name_as_c_str() == Ok(name));
    let pep = ash::khr::pipeline_executable_properties::NAME;
    if !has(pep) {
        let props = unsafe { instance.get_physical_device_properties(pd) };
        let name = props
            .device_name_as_c_str()
            .map_or("?".into(), |n| n.to_string_lossy());
        return Err(format!(
            "{name} does not offer VK_KHR_pipeline_executable_properties"
        ));
    }
    let coop = ash::khr::cooperative_matrix::NAME;
    let robustness2 = ash::ext::robustness2::NAME;
    let mut names = vec![pep.as_ptr()];
    for ext in [coop, robustness2] {
        if has(ext) {
            names.push(ext.as_ptr());
        }
    }
    // wgpu turns on the device's buffer robustness wherever it is offered (robustBufferAccess,
    // and robustBufferAccess2 from VK_EXT_robustness2), for checked and unchecked shaders
    // alike, and the driver may compile buffer accesses differently with it: so do we.
    let core = unsafe { instance.get_physical_device_features(pd) };
    let features = vk::PhysicalDeviceFeatures::default()
        .robust_buffer_access(core.robust_buffer_access == vk::TRUE);
    let mut offered2 = vk::PhysicalDeviceRobustness2FeaturesEXT::default();
    if has(robustness2) {
        let mut query = vk::PhysicalDeviceFeatures2::default().push_next(&mut offered2);
        unsafe { instance.get_physical_device_features2(pd, &mut query) };
    }
    let mut robust2 = vk::PhysicalDeviceRobustness2FeaturesEXT::default()
        .robust_buffer_access2(offered2.robust_buffer_access2 == vk::TRUE);
    // What our kernels may ask for: f16 arithmetic and storage, subgroups (core), the memory
    // model, zero-initialised workgroup memory, cooperative matrices where offered.
    let mut pep_features = vk::PhysicalDevicePipelineExecutablePropertiesFeaturesKHR::default()
        .pipeline_executable_info(true);
    let mut coop_features =
        vk::PhysicalDeviceCooperativeMatrixFeaturesKHR::default().cooperative_matrix(true);
    let mut v11 = vk::PhysicalDeviceVulkan11Features::default()
        .storage_buffer16_bit_access(true)
        .uniform_and_storage_buffer16_bit_access(true);
    let mut v12 = vk::PhysicalDeviceVulkan12Features::default()
        .shader_float16(true)
        .shader_int8(true)
        .vulkan_memory_model(true)
        .vulkan_memory_model_device_scope(true);
    let mut v13 =
        vk::PhysicalDeviceVulkan13Features::default().shader_zero_initialize_workgroup_memory(true);
    let priorities = [1.0];
    let queue = [vk::DeviceQueueCreateInfo::default()
        .queue_family_index(0)
        .queue_priorities(&priorities)];
    let mut info = vk::DeviceCreateInfo::default()
        .queue_create_infos(&queue)
        .enabled_extension_names(&names)
        .enabled_features(&features)
        .push_next(&mut pep_features)
        .push_next(&mut v11)
        .push_next(&mut v12)
        .push_next(&mut v13);
    if has(coop) {
        info = info.push_next(&mut coop_features);
    }
    if has(robustness2) {
        info = info.push_next(&mut robust2);
    }
    let device =
        unsafe { instance.create_device(pd, &info, None) }.map_err(vkerr("vkCreateDevice"))?;
    let mut layouts = Vec::new();
    for set in &c.bindings {
        let b: Vec<_> = set
            .iter()
            .map(|&(binding, ty)| {
                vk::DescriptorSetLayoutBinding::default()
                    .binding(binding)
                    .descriptor_type(ty)
                    .descriptor_count(1)
                    .stage_flags(vk::ShaderStageFlags::COMPUTE)
            })
            .collect();
        let l = unsafe {
            device.create_descriptor_set_layout(
                &vk::DescriptorSetLayoutCreateInfo::default().bindings(&b),
                None,
            )
        }
        .map_err(vkerr("vkCreateDescriptorSetLayout"))?;
        layouts.push(l);
    }
    let layout = unsafe {
        device.create_pipeline_layout(
            &vk::PipelineLayoutCreateInfo::default().set_layouts(&layouts),
            None,
        )
    }
    .map_err(vkerr("vkCreatePipelineLayout"))?;
    let shader = unsafe {
        device.create_shader_module(&vk::ShaderModuleCreateInfo::default().code(&c.spv), None)
    }
    .map_err(vkerr("vkCreateShaderModule"))?;
    let name = std::ffi::CString::new(entry).map_err(|e| e.to_string())?;
    let stage = vk::PipelineShaderStageCreateInfo::default()
        .stage(vk::ShaderStageFlags::COMPUTE)
        .module(shader)
        .name(&name);
    let create = vk::ComputePipelineCreateInfo::default()
        .stage(stage)
        .layout(layout)
        .flags(if want_ir {
            vk::PipelineCreateFlags::CAPTURE_STATISTICS_KHR
                | vk::PipelineCreateFlags::CAPTURE_INTERNAL_REPRESENTATIONS_KHR
        } else {
            vk::PipelineCreateFlags::CAPTURE_STATISTICS_KHR
        });
    let pipeline =
        unsafe { device.create_compute_pipelines(vk::PipelineCache::null(), &[create], None) }
            .map_err(|(_, e)| format!("vkCreateComputePipelines: {e:?}"))?[0];
    let ext = ash::khr::pipeline_executable_properties::Device::new(&instance, &device);
    let executable = vk::PipelineExecutableInfoKHR::default()
        .pipeline(pipeline)
        .executable_index(0);
    let stats = unsafe { ext.get_pipeline_executable_statistics(&executable) }
        .map_err(vkerr("statistics"))?;
    let mut irs = Vec::new();
    if want_ir {
        // Two calls: the first returns each representation's size, the second fills buffers
        // of those sizes.
        let mut reps = unsafe { ext.get_pipeline_executable_internal_representations(&executable) }
            .map_err(vkerr("internal representations"))?;
        let mut bufs: Vec<Vec<u8>> = reps.iter().map(|r| vec![0u8; r.data_size]).collect();
        for (r, b) in reps.iter_mut().zip(bufs.iter_mut()) {
            r.p_data = b.as_mut_ptr().cast();
        }
        let mut count = u32::try_from(reps.len()).map_err(|e| e.to_string())?;
        unsafe {
            (ext.fp()
                .get_pipeline_executable_internal_representations_khr)(
                device.handle(),
                &executable,
                &mut count,
                reps.as_mut_ptr(),
            )
        }
        .result()
        .map_err(vkerr("internal representations"))?;
        for (r, data) in reps.iter().zip(bufs).take(count as usize) {
            irs.push(Ir {
                name: r
                    .name_as_c_str()
                    .map_or(String::new(), |n| n.to_string_lossy().into()),
                description: r
                    .description_as_c_str()
                    .map_or(String::new(), |n| n.to_string_lossy().into()),
                text: r.is_text == vk::TRUE,
                data,
            });
        }
    }
    let stats = stats
        .iter()
        .map(|s| {
            let v = match s.format {
                vk::PipelineExecutableStatisticFormatKHR::BOOL32 => {
                    u64::from(unsafe { s.value.b32 })
                }
                vk::PipelineExecutableStatisticFormatKHR::INT64 => (unsafe { s.value.i64 }) as u64,
                vk::PipelineExecutableStatisticFormatKHR::UINT64 => unsafe { s.value.u64 },
                _ => (unsafe { s.value.f64 }) as u64,
            };
            (
                s.name_as_c_str()
                    .map_or(String::new(), |n| n.to_string_lossy().into_owned()),
                v,
            )
        })
        .collect();
    Ok((stats, irs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constants(list: &[(&str, f64)]) -> Vec<(String, f64)> {
        list.iter().map(|&(k, v)| (k.to_string(), v)).collect()
    }

    #[test]
    fn a_kernel_compiles_with_its_overrides_bindings_and_checks() {
        let source = include_str!("../../../kernels/wgsl/matmul/unrolled.wgsl");
        let c = constants(&[("BM", 128.0), ("BN", 256.0), ("BK", 16.0)]);
        let checked = compile(source, "main", &c, false).unwrap();
        let unchecked = compile(source, "main", &c, true).unwrap();
        // (BM/8)·(BN/16) threads, from the overrides.
        assert_eq!((checked.threads, unchecked.threads), (256, 256));
        // Params as a uniform, A and B read-only and C read-write storage, all in group 0.
        let u = vk::DescriptorType::UNIFORM_BUFFER;
        let s = vk::DescriptorType::STORAGE_BUFFER;
        assert_eq!(checked.bindings, vec![vec![(0, u), (1, s), (2, s), (3, s)]]);
        // The runtime checks are code: the checked module is the longer one.
        assert!(checked.spv.len() > unchecked.spv.len());
        assert_eq!(checked.spv[0], 0x0723_0203, "SPIR-V magic number");
        // Another block changes the workgroup; a missing entry point is an error, not a panic.
        let small = constants(&[("BM", 64.0), ("BN", 128.0), ("BK", 8.0)]);
        assert_eq!(compile(source, "main", &small, true).unwrap().threads, 64);
        assert!(compile(source, "nope", &c, true).is_err());
    }

    #[test]
    fn representations_are_written_one_file_each_text_cut_at_its_nul() {
        let dir = std::env::temp_dir().join(format!("vkstats-ir-{}", std::process::id()));
        let dir = dir.to_str().unwrap();
        let irs = [
            Ir {
                name: "asm".into(),
                description: "the code".into(),
                text: true,
                data: b"MOV R1, R2\n\0garbage".to_vec(),
            },
            Ir {
                name: "blob".into(),
                description: "binary".into(),
                text: false,
                data: vec![0, 1, 0, 2],
            },
        ];
        write_irs(dir, "unrolled 128x256/checked", &irs).unwrap();
        let stem = format!("{dir}/unrolled_128x256_checked");
        assert_eq!(
            std::fs::read(format!("{stem}.0.txt")).unwrap(),
            b"MOV R1, R2\n"
        );
        assert_eq!(
            std::fs::read(format!("{stem}.1.bin")).unwrap(),
            [0, 1, 0, 2]
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
