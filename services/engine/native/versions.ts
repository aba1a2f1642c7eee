/**
 * Pinned versions of the native TensorFlow backend. The binding is tfjs-node's own N-API source; the TensorFlow
 * C library comes from PyPI's TensorFlow wheels (their `libtensorflow_cc.so.2` exports the eager C API the
 * binding calls). Every wheel is pinned by version and SHA-256, so `setup native` builds the same thing everywhere.
 */

/** `@tensorflow/tfjs-node`, whose JS and binding sources we use (must equal package.json's optional dependency). */
export const TFJS_NODE_VERSION = '4.22.0';
/** The TensorFlow release whose C library the binding links to. */
export const TENSORFLOW_VERSION = '2.21.0';
/** Node-API version the binding is compiled for: tfjs-node's loader looks in `lib/napi-v8/` on Node ≥ 20. */
export const NAPI_VERSION = 8;
/** The wheels are manylinux_2_27: their libraries need at least this glibc. */
export const MIN_GLIBC = '2.27';

export type NativeVariant = 'cpu' | 'gpu';

export interface PinnedWheel {
  name: string;
  version: string;
  /** sha256 of the one file pip must fetch (the cp311 / py3 manylinux x86-64 build). */
  sha256: string;
  /** Bytes, for the download estimate printed before fetching. */
  size: number;
  /** What to unpack from it (path prefixes inside the wheel); headers are used for the build only. */
  extract: string[];
}

const TF_LIBS = ['tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'];
/** The C API headers the binding includes, and what they include in turn (TF 2.21's tf_status.h needs xla/tsl/c). */
const TF_HEADERS = [
  'tensorflow/include/tensorflow/c/',
  'tensorflow/include/tensorflow/core/platform/',
  'tensorflow/include/tsl/platform/',
  'tensorflow/include/xla/tsl/c/',
];

/** CUDA 12 userland from NVIDIA's wheels, at the minimum versions TensorFlow 2.21's `and-cuda` extra names. */
const nvidia = (name: string, version: string, sha256: string, size: number): PinnedWheel => ({
  name,
  version,
  sha256,
  size,
  extract: ['nvidia/'],
});

export const WHEELS: Record<NativeVariant, PinnedWheel[]> = {
  cpu: [
    {
      name: 'tensorflow-cpu',
      version: TENSORFLOW_VERSION,
      sha256: '2b847d217b02ee7731ed91431daf3250daa0196c3c94614d23be27232e6e5b6c',
      size: 273_829_956,
      extract: [...TF_LIBS, ...TF_HEADERS],
    },
  ],
  gpu: [
    {
      name: 'tensorflow',
      version: TENSORFLOW_VERSION,
      sha256: '9056fbc9ba04235810b71ae6cbd958a196e8804fb53bbcffbf3e23b56155f124',
      size: 572_440_367,
      extract: [...TF_LIBS, ...TF_HEADERS],
    },
    nvidia(
      'nvidia-cublas-cu12',
      '12.5.3.2',
      'ca070ad70e9fa6654084575d01bd001f30cc4665e33d4bb9fc8e0f321caa034b',
      363_313_169,
    ),
    nvidia(
      'nvidia-cuda-cupti-cu12',
      '12.5.82',
      'bde77a5feb66752ec61db2adfe47f56b941842825b4c7e2068aff27c9d107953',
      13_811_507,
    ),
    nvidia(
      'nvidia-cuda-nvcc-cu12',
      '12.5.82',
      'b03e545b8e8c3ce7ebcd7fc44063180ff52ff01d064ece2127ed90a04ef12cd0',
      22_468_537,
    ),
    nvidia(
      'nvidia-cuda-nvrtc-cu12',
      '12.5.82',
      '3dbd97b0104b4bfbc3c4f8c79cd2496307c89c43c29a9f83125f1d76296ff3fd',
      24_873_108,
    ),
    nvidia(
      'nvidia-cuda-runtime-cu12',
      '12.5.82',
      '3e79a060e126df40fd3a068f3f787eb000fa51b251ec6cd97d09579632687115',
      895_707,
    ),
    nvidia(
      'nvidia-cudnn-cu12',
      '9.3.0.75',
      '9ad9c6929ebb5295eb4a1728024666d1c88283373e265a0c5c883e6f9d5cd76d',
      577_163_502,
    ),
    nvidia(
      'nvidia-cufft-cu12',
      '11.2.3.61',
      '9a6e8df162585750f61983a638104a48c756aa13f9f48e19ab079b38e3c828b8',
      192_524_114,
    ),
    nvidia(
      'nvidia-curand-cu12',
      '10.3.6.82',
      '2823fb27de4e44dbb22394a6adf53aa6e1b013aca0f8c22867d1cfae58405536',
      56_309_107,
    ),
    nvidia(
      'nvidia-cusolver-cu12',
      '11.6.3.83',
      '93cfafacde4428b71778eeb092ec615a02a3d05404da1bcf91c53e3fa1bce42b',
      130_341_232,
    ),
    nvidia(
      'nvidia-cusparse-cu12',
      '12.5.1.3',
      '016df8e993c437e8301e62739f01775cba988fd5253cd4c64173f8e8d2f8e752',
      217_558_979,
    ),
    nvidia(
      'nvidia-nccl-cu12',
      '2.27.7',
      'de5ba5562f08029a19cb1cd659404b18411ed0d6c90ac5f52f30bf99ad5809aa',
      322_546_339,
    ),
    nvidia(
      'nvidia-nvjitlink-cu12',
      '12.5.82',
      'f9b37bc5c8cf7509665cb6ada5aaa0ce65618f2332b7d3e78e9790511f111212',
      21_298_879,
    ),
  ],
};
