import HypencoderDaemon
print("hypencoderd: not yet")
