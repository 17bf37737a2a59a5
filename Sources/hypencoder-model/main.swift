import HypencoderModel
let selection = try BLAS.load()
print(selection.summary)
