//! Where the prompt comes from.

use std::io::{IsTerminal, Read};

/// The prompt from the argument and/or standard input.
///
/// * no argument, or `-`: standard input is the prompt;
/// * an argument and piped input: the input is appended as a `<stdin>` block.
///
/// Standard input is only read when it is a pipe or a file, never a
/// terminal or a character device (so `codex exec "task"` in a terminal does
/// not wait for Ctrl-D).
pub fn read_prompt(arg: Option<String>) -> anyhow::Result<String> {
    let from_stdin = |required: bool| -> anyhow::Result<Option<String>> {
        let mut stdin = std::io::stdin();
        if !stdin_is_data() {
            if required && stdin.is_terminal() {
                eprintln!("Reading the prompt from stdin (end with Ctrl-D)...");
            } else if !required {
                return Ok(None);
            }
        }
        let mut text = String::new();
        stdin
            .read_to_string(&mut text)
            .map_err(|err| anyhow::anyhow!("cannot read the prompt from standard input: {err}"))?;
        Ok(Some(text))
    };
    let prompt = match arg.as_deref() {
        None | Some("-") => from_stdin(true)?.unwrap_or_default(),
        Some(text) => match from_stdin(false)? {
            Some(input) if !input.trim().is_empty() => {
                format!("{text}\n\n<stdin>\n{}\n</stdin>", input.trim_end())
            }
            _ => text.to_string(),
        },
    };
    if prompt.trim().is_empty() {
        anyhow::bail!(
            "no prompt: pass the task as an argument, or pipe it to standard input (codex exec - < task.md)"
        );
    }
    Ok(prompt)
}

/// Whether standard input is a pipe, a socket or a regular file.
fn stdin_is_data() -> bool {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        use std::os::unix::fs::FileTypeExt;
        let Ok(fd) = std::io::stdin().as_fd().try_clone_to_owned() else {
            return false;
        };
        std::fs::File::from(fd).metadata().is_ok_and(|meta| {
            let kind = meta.file_type();
            kind.is_fifo() || kind.is_file() || kind.is_socket()
        })
    }
    #[cfg(not(unix))]
    {
        !std::io::stdin().is_terminal()
    }
}
