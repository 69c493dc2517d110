/**
 * Names the shell itself gives meaning to: the programs that are shells (code
 * they read is code that runs) and the variables that change what a shell
 * runs or loads. The walk and the program inspections both need them, so
 * they sit at the shell's layer.
 */

export const SHELLS = new Set([
  'sh',
  'bash',
  'dash',
  'zsh',
  'ksh',
  'mksh',
  'ash',
  'posh',
  'yash',
  'lksh',
  'rbash',
  'fish',
  'csh',
  'tcsh',
  'ksh93',
  'pdksh',
  'oksh',
  'loksh',
  'bsh',
  'rc',
  'es',
  'elvish',
  'nu',
  'xonsh',
  'ion',
  'osh',
  'ysh',
  'oil',
  'hush',
  'jsh',
  'rzsh',
  'rksh',
  'bosh',
  'pwsh-preview',
]);

/** Variables that change which program runs or what it loads: setting them makes later commands unknowable. */
const SENSITIVE_VARIABLE =
  /^(PATH|LD_[A-Z_]+|DYLD_[A-Z_]+|BASH_ENV|ENV|IFS|SHELLOPTS|BASHOPTS|PS4|PROMPT_COMMAND|CDPATH|GLOBIGNORE|BASH_FUNC_.*|BASH_LOADABLES_PATH|PYTHONPATH|PYTHONSTARTUP|PYTHONHOME|PERL5OPT|PERL5LIB|PERLLIB|RUBYOPT|RUBYLIB|NODE_OPTIONS|NODE_PATH|GIT_[A-Z_]+|PAGER|MANPAGER|SYSTEMD_PAGER|EDITOR|VISUAL|LESSOPEN|LESSCLOSE|SUDO_ASKPASS|SSH_ASKPASS|BROWSER|TERMINFO|HOSTALIASES|LOCPATH|GCONV_PATH|MALLOC_[A-Z_]+|SHELL|HOME|TMPDIR|ZDOTDIR|XDG_CONFIG_HOME|XDG_CONFIG_DIRS|SYSTEMD_[A-Z_]+|LESS|LESSKEY|LESSKEYIN|LESSSECURE|DPKG_[A-Z_]+|APT_CONFIG|TAR_OPTIONS|CARGO_[A-Z_]+|RUSTC|RUSTC_WRAPPER|RUSTC_WORKSPACE_WRAPPER|RUSTFLAGS|RUSTDOCFLAGS|LUA_INIT(_[0-9_]+)?|LUA_PATH|LUA_CPATH|OPENSSL_CONF|OPENSSL_ENGINES|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|CLASSPATH|GREP_OPTIONS|PERL5DB|HTOPRC|TOPRC|PROCPS_[A-Z_]+|MANOPT|HISTFILE|INPUTRC|NLSPATH|SSH_AUTH_SOCK|GNUPGHOME|PACMAN|MAKEPKG_CONF|CURL_HOME|WGETRC|NPM_CONFIG_[A-Z_]+|npm_config_[a-z_]+)$/;

export function isSensitiveVariable(name: string): boolean {
  return SENSITIVE_VARIABLE.test(name);
}
