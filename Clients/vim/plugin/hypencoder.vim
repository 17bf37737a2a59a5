" hypencoder.vim - search and index files with a local hypencoderd (Vim 9.0+, Neovim 0.7+)
" Maintainer: the Hypencoder project.  License: MIT.  See :help hypencoder.

if exists('g:loaded_hypencoder') || &compatible
  finish
endif
if !(has('nvim-0.7') || (v:version >= 900 && has('channel')))
  echohl WarningMsg
  echomsg 'hypencoder: needs Vim 9.0 with +channel or Neovim 0.7'
  echohl None
  finish
endif
let g:loaded_hypencoder = 1

command! -nargs=+ HypencoderSearch call hypencoder#search(<q-args>)
command! -nargs=? -complete=dir HypencoderIndex call hypencoder#index(<q-args>)
command! -nargs=0 HypencoderCancel call hypencoder#cancel()
command! -nargs=0 HypencoderStatus call hypencoder#show_status()

" No default mappings: map these yourself, e.g. nmap <Leader>s <Plug>(hypencoder-search)
nnoremap <silent> <Plug>(hypencoder-search) :<C-u>call hypencoder#search_prompt()<CR>
xnoremap <silent> <Plug>(hypencoder-search) :<C-u>call hypencoder#search_selection()<CR>
nnoremap <silent> <Plug>(hypencoder-search-word) :<C-u>call hypencoder#search(expand('<cword>'))<CR>
nnoremap <silent> <Plug>(hypencoder-index) :<C-u>call hypencoder#index('')<CR>
nnoremap <silent> <Plug>(hypencoder-cancel) :<C-u>call hypencoder#cancel()<CR>

augroup hypencoder
  autocmd!
  " Re-index a saved file in whichever indexed workspace holds it (the daemon ignores others).
  autocmd BufWritePost * if get(g:, 'hypencoder_update_on_save', 1)
        \ | call hypencoder#on_write(expand('<afile>:p'), str2nr(expand('<abuf>'))) | endif
augroup END
