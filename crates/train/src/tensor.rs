//! Moving data between the host and a burn device.

use burn::prelude::*;
use synthkit_data::Matrix;

use crate::error::{TrainError, TrainResult};

/// A matrix as a tensor on `device`. `[rows, cols]`
pub(crate) fn to_tensor(m: &Matrix, device: &Device) -> Tensor<2> {
    Tensor::from_data(
        TensorData::new(m.as_slice().to_vec(), [m.rows(), m.cols()]),
        device,
    )
}

/// A row-major buffer as a tensor on `device`. `[rows, cols]`
pub(crate) fn tensor2(v: Vec<f32>, rows: usize, cols: usize, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(v, [rows, cols]), device)
}

/// A tensor's values read back to the host, row-major.
pub(crate) fn read_back<const D: usize>(t: Tensor<D>, what: &'static str) -> TrainResult<Vec<f32>> {
    t.into_data()
        .try_to_vec_as::<f32>()
        .map_err(|e| TrainError::DeviceRead {
            what,
            reason: format!("{e:?}"),
        })
}

/// A tensor read back into a matrix.
pub(crate) fn to_matrix(t: Tensor<2>) -> TrainResult<Matrix> {
    let [r, c] = t.dims();
    Ok(Matrix::from_vec(r, c, read_back(t, "a generated batch")?))
}

/// Row indices as an `Int` tensor on `device`, for `select`. `[idx.len()]`
pub(crate) fn index_tensor(idx: &[usize], device: &Device) -> Tensor<1, Int> {
    let v: Vec<i64> = idx.iter().map(|&i| i as i64).collect();
    Tensor::from_data(TensorData::new(v, [idx.len()]), device)
}

/// Reads a list of scalar losses (`[1]` each, still on the device) back to the host in one
/// transfer, in order: the only synchronisation of a block.
pub(crate) fn read_losses(losses: Vec<Tensor<1>>) -> TrainResult<Vec<f64>> {
    if losses.is_empty() {
        return Ok(Vec::new());
    }
    let v = read_back(Tensor::cat(losses, 0), "the losses")?;
    Ok(v.into_iter().map(f64::from).collect())
}
