// The "core" operator set's names as the space plugins emit them: C strings
// made once per process (OpName), so describing a layer costs no string
// work. A test checks every name here is an operator of the core set.
import HwnasPluginSupport

public enum CoreOps {
    public static let setID = "core"
    public static let conv2d = OpName("conv2d")
    public static let conv2dNoBias = OpName("conv2d_nobias")
    public static let reluConvBN = OpName("relu_conv_bn")
    public static let pwconv2d = OpName("pwconv2d")
    public static let dwconv2d = OpName("dwconv2d")
    public static let squeezeExcite = OpName("squeeze_excite")
    public static let avgpool = OpName("avgpool")
    public static let maxpool = OpName("maxpool")
    public static let globalAvgpool = OpName("global_avgpool")
    public static let linear = OpName("linear")
    public static let zero = OpName("zero")
    public static let add = OpName("add")
    public static let batchnorm = OpName("batchnorm")

    public static let all = [conv2d, conv2dNoBias, reluConvBN, pwconv2d, dwconv2d, squeezeExcite, avgpool, maxpool,
                             globalAvgpool, linear, zero, add, batchnorm]

    /// Cell labels of the layers outside blocks.
    public static let stem = OpName("stem")
    public static let head = OpName("head")
}
