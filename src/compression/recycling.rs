//! Brotli's working memory, kept from one response to the next.
//!
//! A brotli encoder allocates its working arrays (about 1 MB through its
//! allocator at an 18-bit window and level 4, 2.1 MB in all) and frees them
//! when the response is encoded. At a thousand responses a second
//! mimalloc keeps freed pages for its purge delay, so clients that accept
//! only `br` held 25 MB more than gzip clients at the same load
//! (bench/README.md). Encoding runs on a worker thread inside the request's
//! turn, so each thread keeps the arrays of its last encoder in a pool of
//! its own and hands them to the next: the memory stays at one encoder's
//! worth per worker thread, and no allocator sees it come and go.

use brotli::enc::BrotliAlloc;
use brotli::{Allocator, SliceWrapper, SliceWrapperMut};
use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::HashMap;

/// Most bytes one thread keeps between encodes: a little more than one
/// encoder's arrays, so a larger response cannot make the pool grow.
const MAX_POOLED_BYTES: usize = 4 << 20;

thread_local! {
    static POOL: RefCell<Pool> = RefCell::new(Pool::default());
}

/// Freed arrays by element type and length; brotli asks for the same
/// sizes every time for the same settings.
#[derive(Default)]
struct Pool {
    free: HashMap<(TypeId, usize), Vec<Box<dyn Any>>>,
    bytes: usize,
}

impl Pool {
    fn take<T: 'static>(&mut self, len: usize) -> Option<Box<[T]>> {
        let boxed = self.free.get_mut(&(TypeId::of::<T>(), len))?.pop()?;
        let array = *boxed.downcast::<Box<[T]>>().ok()?;
        self.bytes -= std::mem::size_of_val(&*array);
        Some(array)
    }

    fn give<T: 'static>(&mut self, array: Box<[T]>) {
        let size = std::mem::size_of_val(&*array);
        if size == 0 || self.bytes + size > MAX_POOLED_BYTES {
            return;
        }
        self.bytes += size;
        self.free
            .entry((TypeId::of::<T>(), array.len()))
            .or_default()
            .push(Box::new(array));
    }
}

/// Bytes this thread keeps for the next encoder.
#[cfg(test)]
pub fn pooled_bytes() -> usize {
    POOL.with(|pool| pool.borrow().bytes)
}

/// An array brotli works in.
pub struct Cell<T>(Box<[T]>);

impl<T> Default for Cell<T> {
    fn default() -> Self {
        Self(Box::default())
    }
}

impl<T> SliceWrapper<T> for Cell<T> {
    fn slice(&self) -> &[T] {
        &self.0
    }
}

impl<T> SliceWrapperMut<T> for Cell<T> {
    fn slice_mut(&mut self) -> &mut [T] {
        &mut self.0
    }
}

/// Brotli's allocator, drawing on this thread's pool. Arrays come back
/// filled with `T::default()`, as from brotli's own allocator.
#[derive(Clone, Copy, Default)]
pub struct Recycling;

impl<T: Clone + Default + 'static> Allocator<T> for Recycling {
    type AllocatedMemory = Cell<T>;

    fn alloc_cell(&mut self, len: usize) -> Cell<T> {
        if len == 0 {
            return Cell::default();
        }
        match POOL.with(|pool| pool.borrow_mut().take::<T>(len)) {
            Some(mut array) => {
                array.fill(T::default());
                Cell(array)
            }
            None => Cell(vec![T::default(); len].into_boxed_slice()),
        }
    }

    fn free_cell(&mut self, cell: Cell<T>) {
        POOL.with(|pool| pool.borrow_mut().give(cell.0));
    }
}

impl BrotliAlloc for Recycling {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_come_back_cleared_and_the_pool_is_bounded() {
        let mut alloc = Recycling;
        let mut cell: Cell<u32> = alloc.alloc_cell(1024);
        cell.slice_mut().fill(7);
        alloc.free_cell(cell);
        assert_eq!(pooled_bytes(), 4096);
        let again: Cell<u32> = alloc.alloc_cell(1024);
        assert!(again.slice().iter().all(|&x| x == 0), "cleared on reuse");
        assert_eq!(pooled_bytes(), 0, "taken from the pool");
        alloc.free_cell(again);
        // An array larger than the bound is dropped, not kept.
        let huge: Cell<u8> = alloc.alloc_cell(MAX_POOLED_BYTES + 1);
        alloc.free_cell(huge);
        assert_eq!(pooled_bytes(), 4096);
    }
}
