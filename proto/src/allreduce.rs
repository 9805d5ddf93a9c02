//! One worker's allreduce of a float tensor, over its fragment stream, free of I/O.
//!
//! Two rounds through the card: the exponent round (each worker's one-hot vote, see [`crate::scale`])
//! fixes a shared power-of-two scale, then the values round sums the scaled int32 lanes. The tensor is
//! cut into fragments of the card's payload size; the last one may be shorter. Several allreduces may
//! share one [`Worker`]: each pushes its fragments when its previous round is complete.

use crate::scale::{Scale, ScaleError, exponent_vote};
use crate::worker::Worker;
use std::ops::Range;

/// Why an allreduce failed.
#[derive(Debug, Clone, PartialEq)]
pub enum AllreduceError {
    Scale(ScaleError),
    /// The card or PS flagged a saturated lane: some worker did not keep to the shared scale.
    Overflow {
        element: usize,
    },
}

impl std::fmt::Display for AllreduceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AllreduceError::Scale(e) => e.fmt(f),
            AllreduceError::Overflow { element } => write!(
                f,
                "the sum saturated near element {element}: a worker of this tenant did not use the shared scale"
            ),
        }
    }
}

impl std::error::Error for AllreduceError {}

#[derive(Debug, Clone)]
enum Round {
    Exponent {
        fragments: Range<usize>,
        tensor: Vec<f32>,
    },
    Values {
        fragments: Range<usize>,
        scale: Scale,
    },
    Done,
}

/// An allreduce in progress.
#[derive(Debug, Clone)]
pub struct Allreduce {
    elements: usize,
    workers: u32,
    len: usize,
    round: Round,
    scale: Option<Scale>,
}

fn chunks(lanes: &[i32], elements: usize) -> Vec<Vec<i32>> {
    lanes.chunks(elements).map(<[i32]>::to_vec).collect()
}

impl Allreduce {
    /// Starts summing `tensor` over the tenant's `workers` workers, in fragments of `elements` lanes.
    pub fn start(
        worker: &mut Worker,
        tensor: &[f32],
        elements: usize,
        workers: u32,
    ) -> Result<Allreduce, AllreduceError> {
        assert!(elements > 0, "fragments need at least one element");
        // Refuse NaN and infinity before anything reaches the card.
        Scale { shift: 0 }
            .quantize(tensor)
            .map_err(AllreduceError::Scale)?;
        let fragments = worker.push(chunks(&exponent_vote(tensor), elements));
        Ok(Allreduce {
            elements,
            workers,
            len: tensor.len(),
            round: Round::Exponent {
                fragments,
                tensor: tensor.to_vec(),
            },
            scale: None,
        })
    }

    /// The shared scale, once the exponent round is over.
    pub fn scale(&self) -> Option<Scale> {
        self.scale
    }

    fn round_complete(worker: &Worker, fragments: &Range<usize>) -> bool {
        fragments.clone().all(|i| worker.result(i).is_some())
    }

    fn take_sums(worker: &mut Worker, fragments: Range<usize>) -> Result<Vec<i32>, AllreduceError> {
        let mut lanes = Vec::new();
        for i in fragments {
            let r = worker.take_result(i).expect("round complete");
            if r.overflow {
                return Err(AllreduceError::Overflow { element: lanes.len() });
            }
            lanes.extend(r.sum);
        }
        Ok(lanes)
    }

    /// Moves on after the worker took frames: starts the values round when the exponent round is
    /// complete, and returns the summed tensor when the values round is. Call it after every
    /// [`Worker::on_frame`] that returned true (then poll the worker: new fragments may be queued).
    pub fn advance(&mut self, worker: &mut Worker) -> Option<Result<Vec<f32>, AllreduceError>> {
        match &self.round {
            Round::Exponent { fragments, tensor } if Self::round_complete(worker, fragments) => {
                let votes = match Self::take_sums(worker, fragments.clone()) {
                    Ok(v) => v,
                    Err(e) => return Some(Err(e)),
                };
                let scale = Scale::new(&votes, self.workers);
                let lanes = scale.quantize(tensor).expect("checked finite at start");
                let fragments = worker.push(chunks(&lanes, self.elements));
                self.scale = Some(scale);
                self.round = Round::Values { fragments, scale };
                if self.len == 0 {
                    self.round = Round::Done;
                    return Some(Ok(Vec::new()));
                }
                None
            }
            Round::Values { fragments, scale } if Self::round_complete(worker, fragments) => {
                let scale = *scale;
                let result = Self::take_sums(worker, fragments.clone()).map(|lanes| scale.dequantize(&lanes));
                self.round = Round::Done;
                Some(result)
            }
            _ => None,
        }
    }
}
