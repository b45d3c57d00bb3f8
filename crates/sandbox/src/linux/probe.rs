//! `codex-linux-sandbox --check`: which layers this machine enforces.
//!
//! The probe runs the same set-up steps as a real command (in throwaway
//! child processes, on a scratch directory) and reports each layer: what is
//! enforced, or why not and what to do. Frontends get the result as data
//! through [`probe`] (which runs the helper), people as a table through
//! `codex sandbox linux --check`.

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::process::ExitCode;

use codex_protocol::protocol::SandboxPolicy;

use super::{Layer, SetupError, capabilities, exit, filesystem, landlock, namespaces, seccomp};

/// One layer's state on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerReport {
    pub layer: String,
    pub enforced: bool,
    /// What is enforced, or the cause and the fix.
    pub detail: String,
}

/// Runs `helper --check` and reads its report.
pub fn probe(helper: &Path) -> Result<Vec<LayerReport>, String> {
    let output = std::process::Command::new(helper)
        .arg0_for_helper()
        .arg(super::CHECK_FLAG)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|err| format!("cannot run the sandbox helper {}: {err}", helper.display()))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let reports: Vec<LayerReport> = text.lines().filter_map(parse_line).collect();
    if reports.is_empty() {
        return Err(format!(
            "the sandbox helper gave no report: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(reports)
}

trait Arg0 {
    fn arg0_for_helper(&mut self) -> &mut Self;
}

impl Arg0 for std::process::Command {
    fn arg0_for_helper(&mut self) -> &mut Self {
        use std::os::unix::process::CommandExt;
        self.arg0(super::HELPER_NAME)
    }
}

fn parse_line(line: &str) -> Option<LayerReport> {
    let mut fields = line.splitn(3, '\t');
    let layer = fields.next()?.to_string();
    let enforced = match fields.next()? {
        "enforced" => true,
        "missing" => false,
        _ => return None,
    };
    let detail = fields.next().unwrap_or_default().to_string();
    Some(LayerReport {
        layer,
        enforced,
        detail,
    })
}

/// `--check`: prints one `layer<TAB>enforced|missing<TAB>detail` line per
/// layer; exits 0 when every layer is enforced, else 1.
pub(super) fn print_report() -> ExitCode {
    let reports = run_checks();
    let mut all = true;
    for report in &reports {
        all &= report.enforced;
        println!(
            "{}\t{}\t{}",
            report.layer,
            if report.enforced {
                "enforced"
            } else {
                "missing"
            },
            report.detail
        );
    }
    if all {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// What each step tells the parent, one line at a time over a pipe.
struct Reporter {
    fd: i32,
}

impl Reporter {
    fn send(&self, layer: Layer, result: Result<String, &SetupError>) {
        let line = match result {
            Ok(detail) => format!("{}\tenforced\t{detail}\n", layer.name()),
            Err(err) => format!("{}\tmissing\t{}; {}\n", layer.name(), err.cause, err.fix),
        };
        // SAFETY: writing a buffer we own to our end of the pipe.
        unsafe { libc::write(self.fd, line.as_ptr().cast(), line.len()) };
    }
}

fn run_checks() -> Vec<LayerReport> {
    let mut fds = [0; 2];
    // SAFETY: pipe(2) fills the array.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return vec![failure("probe", "cannot create a pipe")];
    }
    let scratch = std::env::temp_dir().join(format!("codex-sandbox-probe-{}", std::process::id()));
    let _ = std::fs::create_dir(&scratch);
    // SAFETY: the helper is single-threaded here.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: closing our copy of the read end.
        unsafe { libc::close(fds[0]) };
        check_in_namespaces(&Reporter { fd: fds[1] }, &scratch);
    }
    // SAFETY: closing the write end we do not use; the read end becomes ours.
    unsafe { libc::close(fds[1]) };
    let mut text = String::new();
    // SAFETY: fds[0] is an open descriptor owned by nothing else.
    let mut reader = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fds[0]) });
    let _ = reader.read_to_string(&mut text);
    if pid > 0 {
        super::wait_for(pid);
    }
    // The probe's placeholders live in the scratch directory.
    let _ = std::fs::remove_dir_all(&scratch);
    let mut reports: Vec<LayerReport> = text.lines().filter_map(parse_line).collect();
    // Layers a failed step kept from being tried.
    for layer in [
        Layer::UserNamespace,
        Layer::NetworkNamespace,
        Layer::ReadOnlyRoot,
        Layer::ProtectedNames,
        Layer::PidNamespace,
        Layer::Landlock,
        Layer::Capabilities,
        Layer::Seccomp,
    ] {
        if !reports.iter().any(|r| r.layer == layer.name()) {
            reports.push(failure(layer.name(), "not tried: an earlier layer failed"));
        }
    }
    reports
}

fn failure(layer: &str, detail: &str) -> LayerReport {
    LayerReport {
        layer: layer.to_string(),
        enforced: false,
        detail: detail.to_string(),
    }
}

/// The first child: namespaces and mounts, as for a workspace-write command
/// in `scratch` without network.
fn check_in_namespaces(reporter: &Reporter, scratch: &Path) -> ! {
    let policy = SandboxPolicy::WorkspaceWrite {
        writable_roots: vec![],
        network_access: false,
        exclude_tmpdir_env_var: true,
        exclude_slash_tmp: true,
    };
    let plan = filesystem::FsPlan::new(&policy, scratch, None, &[]);
    if let Err(err) = filesystem::HostGuards::acquire(&plan) {
        reporter.send(err.layer, Err(&err));
    }
    let entered = namespaces::enter(false);
    match &entered {
        Ok(()) => {
            reporter.send(
                Layer::UserNamespace,
                Ok("own user and mount namespaces".into()),
            );
            reporter.send(
                Layer::NetworkNamespace,
                Ok("no interfaces; no host abstract Unix sockets".into()),
            );
        }
        Err(err) => {
            reporter.send(Layer::UserNamespace, Err(err));
            exit(1);
        }
    }
    match filesystem::build_view(&plan) {
        Ok(()) => {
            reporter.send(
                Layer::ReadOnlyRoot,
                Ok("every mount read-only except the writable roots".into()),
            );
            reporter.send(
                Layer::ProtectedNames,
                Ok(
                    ".git and .codex read-only, and cannot be created; host Unix sockets covered"
                        .into(),
                ),
            );
        }
        Err(err) => reporter.send(err.layer, Err(&err)),
    }
    // SAFETY: single-threaded.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        check_as_init(reporter, scratch);
    }
    if pid > 0 {
        super::wait_for(pid);
    }
    exit(0)
}

/// The second child: PID 1 of the new namespace; the in-process layers.
fn check_as_init(reporter: &Reporter, scratch: &Path) -> ! {
    match filesystem::mount_proc() {
        Ok(()) => reporter.send(
            Layer::PidNamespace,
            Ok("own processes only, own /proc".into()),
        ),
        Err(err) => reporter.send(Layer::PidNamespace, Err(&err)),
    }
    let roots = crate::roots::writable_roots(&SandboxPolicy::new_workspace_write(), scratch, None);
    let abi = landlock::kernel_abi();
    let landlock = capabilities::set_no_new_privs().and_then(|()| landlock::restrict(&roots));
    match landlock {
        Ok(()) => {
            let mut detail = format!("ABI {abi}: writes only beneath the writable roots");
            if abi >= landlock::SCOPING_ABI {
                detail.push_str("; no signals or abstract-socket connections out");
            } else {
                detail.push_str(&format!(
                    "; signal and abstract-socket scoping need ABI {} (the PID and network namespaces cover them)",
                    landlock::SCOPING_ABI
                ));
            }
            if abi < landlock::RESOLVE_UNIX_ABI {
                detail.push_str(&format!(
                    "; pathname-socket control needs ABI {} (host sockets are covered at start instead)",
                    landlock::RESOLVE_UNIX_ABI
                ));
            }
            reporter.send(Layer::Landlock, Ok(detail));
        }
        Err(err) => reporter.send(Layer::Landlock, Err(&err)),
    }
    match capabilities::drop_all() {
        Ok(()) => reporter.send(Layer::Capabilities, Ok("none, no_new_privs set".into())),
        Err(err) => reporter.send(Layer::Capabilities, Err(&err)),
    }
    match seccomp::install(seccomp::Sockets::UnixOnly) {
        Ok(()) => reporter.send(
            Layer::Seccomp,
            Ok("no TIOCSTI/TIOCLINUX, no io_uring, no non-Unix sockets without network".into()),
        ),
        Err(err) => reporter.send(Layer::Seccomp, Err(&err)),
    }
    exit(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_lines_parse() {
        assert_eq!(
            parse_line("landlock\tenforced\tABI 7"),
            Some(LayerReport {
                layer: "landlock".into(),
                enforced: true,
                detail: "ABI 7".into()
            })
        );
        assert_eq!(parse_line("garbage"), None);
    }
}
