print("hypencoder: not yet")
