/**
 * Official download locations and published SHA-256 checksums of every file-backed dataset. The checksums are
 * the ones TensorFlow Datasets pins (github.com/tensorflow/datasets, tensorflow_datasets/url_checksums/
 * mnist.txt, fashion_mnist.txt, cifar10.txt, cifar100.txt); a download that does not match is rejected.
 */
import { CIFAR_LAYOUT, IDX_FILES, type FileDatasetName } from './layout';

/** What to do with a verified download to get the files the loader reads. */
export type Extraction =
  /** gunzip to `to` (a file next to the archive). */
  | { kind: 'gunzip'; to: string }
  /** untar; the archive holds folder `dir` with (at least) `files`. */
  | { kind: 'untar'; dir: string; files: string[] };

export interface DownloadSource {
  url: string;
  /** Name the archive is saved as, in `<dataDir>/<dataset>/`. */
  file: string;
  /** Lower-case hex SHA-256 of the archive as published. */
  sha256: string;
  /** Archive size in bytes, when known (only used for progress). */
  bytes?: number;
  extract: Extraction;
}

const MNIST_BASE = 'https://storage.googleapis.com/cvdf-datasets/mnist/';
const FASHION_BASE = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

function idx(base: string, name: keyof typeof IDX_FILES, sha256: string, bytes: number): DownloadSource {
  const file = `${IDX_FILES[name]}.gz`;
  return { url: base + file, file, sha256, bytes, extract: { kind: 'gunzip', to: IDX_FILES[name] } };
}

function cifar(name: 'cifar10' | 'cifar100', file: string, sha256: string, bytes: number): DownloadSource {
  const layout = CIFAR_LAYOUT[name];
  return {
    url: `https://www.cs.toronto.edu/~kriz/${file}`,
    file,
    sha256,
    bytes,
    extract: { kind: 'untar', dir: layout.dir, files: [...layout.train, ...layout.test] },
  };
}

export const SOURCES: Record<FileDatasetName, DownloadSource[]> = {
  mnist: [
    idx(MNIST_BASE, 'trainImages', '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609', 9912422),
    idx(MNIST_BASE, 'trainLabels', '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c', 28881),
    idx(MNIST_BASE, 'testImages', '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6', 1648877),
    idx(MNIST_BASE, 'testLabels', 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6', 4542),
  ],
  'fashion-mnist': [
    idx(FASHION_BASE, 'trainImages', '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84', 26421880),
    idx(FASHION_BASE, 'trainLabels', 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845', 29515),
    idx(FASHION_BASE, 'testImages', '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073', 4422102),
    idx(FASHION_BASE, 'testLabels', '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5', 5148),
  ],
  cifar10: [
    cifar(
      'cifar10',
      'cifar-10-binary.tar.gz',
      'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
      170052171,
    ),
  ],
  cifar100: [
    cifar(
      'cifar100',
      'cifar-100-binary.tar.gz',
      '58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec',
      168513733,
    ),
  ],
};
