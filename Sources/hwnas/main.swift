import HwnasCore
print(HwnasVersion.string)
