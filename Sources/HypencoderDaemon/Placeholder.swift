/// Placeholder until the daemon lands.
public enum DaemonPlaceholder {}
