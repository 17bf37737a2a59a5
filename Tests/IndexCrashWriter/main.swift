import HypencoderIndex
print("not yet")
