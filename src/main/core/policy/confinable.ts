/**
 * Programs no rule names may run confined instead of asking (`[permissions]
 * unknown = "confine"`), except those whose effects reach past the
 * filesystem the jail guards: signals to other processes, D-Bus and the
 * session, the network and other machines, containers, packages, the
 * kernel. These keep asking whatever the setting.
 */
const ACTS_OUTSIDE = new Set([
  // processes and the machine
  'kill', 'pkill', 'killall', 'skill', 'snice', 'renice', 'reboot', 'shutdown', 'poweroff', 'halt', 'telinit', 'init', 'systemctl', 'loginctl', 'machinectl', 'hostnamectl', 'timedatectl', 'localectl',
  // D-Bus and the desktop session
  'busctl', 'dbus-send', 'gdbus', 'qdbus', 'dbus-monitor', 'gsettings', 'dconf', 'kwriteconfig5', 'kwriteconfig6', 'xdg-open', 'gio', 'xdotool', 'xrandr', 'xset', 'setxkbmap', 'wmctrl', 'pactl', 'amixer', 'notify-send', 'gnome-session-quit',
  // network and other machines
  'nmcli', 'nmtui', 'iwctl', 'bluetoothctl', 'rfkill', 'ip', 'ifconfig', 'route', 'iptables', 'ip6tables', 'nft', 'ufw', 'ssh', 'scp', 'sftp', 'rsync', 'nc', 'ncat', 'netcat', 'socat', 'telnet', 'ftp', 'curl', 'wget', 'aria2c',
  // kernel, mounts, devices
  'mount', 'umount', 'swapon', 'swapoff', 'sysctl', 'modprobe', 'insmod', 'rmmod', 'udevadm',
  // containers, VMs, packages, schedulers
  'docker', 'podman', 'kubectl', 'virsh', 'lxc', 'incus', 'snap', 'flatpak', 'pip', 'pip3', 'pipx', 'npm', 'npx', 'yarn', 'pnpm', 'bunx', 'cargo', 'go', 'gem', 'apt', 'apt-get', 'dpkg', 'pacman', 'dnf', 'yum', 'zypper', 'apk', 'crontab', 'at', 'batch',
]);

/** Whether a program no rule names may run confined: named plainly (not a path the AI may have written) and not acting outside the filesystem. */
export function confinableProgram(program: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(program) && !ACTS_OUTSIDE.has(program);
}
